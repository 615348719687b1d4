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

// A result that ASHA cannot place at a rung (epoch "two", or no metric after a first result
// with it) is the script's fault: that trial fails with the reason, ASHA is told, and the
// other trials run on; the tuning ends normally (exit 0), and `synetune show` gives the reasons.
TEST(MultiFidelity, AshaFailsTheTrialOfAResultWithABadEpochOrWithoutTheMetric) {
  TempRoot root;
  CliRun r = run_cli({"tune", "--entry-point", script("bad_result.py").string(), "--python", "/usr/bin/python3",
                      "--quiet", "--method", "ASHA", "--max-t", "3", "--grace-period", "1",
                      "--reduction-factor", "3", "--param", "x=uniform(0,1)", "--metric", "loss",
                      "--n-workers", "1", "--max-num-trials-finished", "5", "--max-failures", "10",
                      "--tuner-name", "bad-results"},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path exp = root.experiment();
  std::map<long, std::string> failed;
  std::set<long> finished;
  for (const auto& j : journal(exp, "status")) {
    const long id = j["trial_id"].get<long>();
    if (j["status"] == "Failed") failed[id] = j.value("reason", std::string());
    else if (j["status"] == "Completed" || j["status"] == "Stopped") finished.insert(id);
  }
  const std::string bad_epoch = R"(trial 1 reported epoch = "two"; the resource attribute must be a positive integer)";
  const std::string no_metric = "trial 2 reported a result without the metric 'loss' (the keys it reported: epoch); "
                                "the scheduler needs the metric in every result";
  EXPECT_EQ(failed, (std::map<long, std::string>{{1, bad_epoch}, {2, no_metric}}));
  EXPECT_GE(finished.size(), 3u);
  EXPECT_EQ(finished.count(1) + finished.count(2), 0u);
  // Only results the scheduler could use were recorded.
  for (const auto& j : journal(exp, "result")) {
    EXPECT_TRUE(j["result"]["epoch"].is_number()) << j.dump();
    EXPECT_TRUE(j["result"]["loss"].is_number()) << j.dump();
  }
  EXPECT_NE(r.err.find("trial 1 failed: " + bad_epoch), std::string::npos) << r.err;
  CliRun show = run_cli({"show", "bad-results"}, root.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Failed:      trial 1: " + bad_epoch), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("Failed:      trial 2: " + no_metric), std::string::npos) << show.out;
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
