// End-to-end: promotion-type ASHA and PBT on a checkpointing script, with the real CLI.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e/e2e_util.hpp"

namespace synetune::e2e {
namespace {

TEST(MultiFidelity, PromotionAshaResumesFromCheckpointWithoutRetraining) {
  TempRoot root;
  CliRun r = run_cli({"tune", "--entry-point", (source_dir() / "examples/checkpoint_example.py").string(),
                      "--python", "/usr/bin/python3", "--quiet", "--method", "ASHA", "--type", "promotion",
                      "--param", "lr=uniform(0.01,0.5)", "--param", "num_epochs=9",
                      "--max-resource-attr", "num_epochs", "--metric", "train_acc", "--mode", "max",
                      "--grace-period", "1", "--reduction-factor", "3", "--n-workers", "2",
                      "--max-num-trials-started", "14", "--seed", "3"},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path exp = root.experiment();
  std::set<long> resumed;
  for (const auto& j : journal(exp, "trial_start"))
    if (j["resumed"].get<bool>()) resumed.insert(j["trial_id"].get<long>());
  ASSERT_FALSE(resumed.empty()) << "no trial was promoted";
  std::map<long, std::vector<double>> reported;
  for (const auto& j : journal(exp, "result"))
    reported[j["trial_id"].get<long>()].push_back(j["result"]["epoch"].get<double>());
  // A trial promoted just before the tuning ends may be stopped before it trains again.
  std::set<long> stopped_at_end;
  for (const auto& j : journal(exp, "status"))
    if (j.value("reason", std::string()) == "tuning ended") stopped_at_end.insert(j["trial_id"].get<long>());
  for (long id : resumed) {
    std::vector<int> epochs = trained_epochs(exp / std::to_string(id));
    if (epochs.size() < 2 && stopped_at_end.count(id)) continue;
    ASSERT_GE(epochs.size(), 2u) << "trial " << id;
    for (std::size_t i = 1; i < epochs.size(); ++i)
      EXPECT_EQ(epochs[i], epochs[i - 1] + 1) << "trial " << id << " trained an epoch twice";
    EXPECT_NE(read_file(exp / std::to_string(id) / "std.out").find("resuming after epoch 1"),
              std::string::npos);
    const auto& rep = reported[id];
    for (std::size_t i = 1; i < rep.size(); ++i) EXPECT_LT(rep[i - 1], rep[i]);
  }
  // Paused trials are marked, promoted ones lose the marker.
  bool any_paused_marker = false;
  for (const auto& e : fs::directory_iterator(exp))
    if (e.is_directory() && fs::exists(e.path() / "pause")) any_paused_marker = true;
  EXPECT_TRUE(any_paused_marker);
}

TEST(MultiFidelity, PbtExploitStartsFromTheDonorsCheckpoint) {
  TempRoot root;
  CliRun r = run_cli({"tune", "--entry-point", (source_dir() / "examples/checkpoint_example.py").string(),
                      "--python", "/usr/bin/python3", "--quiet", "--method", "PBT",
                      "--param", "lr=loguniform(0.001,0.5)", "--param", "num_epochs=12",
                      "--param", "sleep_time=0.05", "--metric", "train_acc", "--mode", "max",
                      "--population-size", "4", "--perturbation-interval", "2", "--max-t", "12",
                      "--n-workers", "4", "--max-num-trials-started", "12", "--seed", "0"},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path exp = root.experiment();
  int exploited = 0;
  for (const auto& j : journal(exp, "trial_start")) {
    if (!j.contains("warm_start_from")) continue;
    long id = j["trial_id"].get<long>();
    long donor = j["warm_start_from"].get<long>();
    std::string out = read_file(exp / std::to_string(id) / "std.out");
    // The last trial may be stopped by the end of the tuning before it printed anything.
    if (out.empty()) continue;
    ++exploited;
    // It resumed after a positive epoch, and never trained epoch 1 itself.
    EXPECT_EQ(out.find("resuming after epoch 0"), std::string::npos) << "trial " << id;
    EXPECT_NE(out.find("resuming after epoch"), std::string::npos) << "trial " << id;
    std::vector<int> epochs = trained_epochs(exp / std::to_string(id));
    if (!epochs.empty()) {
      EXPECT_GT(epochs.front(), 1) << "trial " << id << " donor " << donor;
    }
    EXPECT_TRUE(fs::exists(exp / std::to_string(donor) / "checkpoints"));
  }
  EXPECT_GT(exploited, 0) << r.err;
}

}  // namespace
}  // namespace synetune::e2e
