// End-to-end: a simulated ASHA run and the same run on the local backend make the same first
// decisions. The local run trains `synetune blackbox-script synthetic_lc_tab`, which sleeps
// the tabulated elapsed time x kTimeScale per epoch, so both runs see the same learning
// curves on the same (scaled) clock; only real-time jitter separates them.
//
// The benchmark is the built-in table synthetic_lc_tab (2048 configs, 0.5-2 s per epoch): the
// bundled real tables do not fit. sklearn_mlp_digits trains an epoch in ~0.01-0.3 s, so
// decisions are separated by less than a process start unless time is scaled up so much
// that a run takes minutes; nb201's cost model gives every epoch 1 s (every rung decision a
// tie); arlbench draws a table seed per simulated trial.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "e2e/e2e_util.hpp"
#include "synetune/blackboxes/blackbox.hpp"

namespace synetune::e2e {
namespace {

// Real seconds per tabulated second: the whole local run takes a few seconds.
constexpr double kTimeScale = 0.3;
// Tolerance. Where the simulator says two trials reach the same rung less than kJitter real
// seconds apart, their order on the local backend may differ, and with it the ASHA decision
// (the rung's quantile is taken over the entries recorded so far). Sources of that jitter:
// process start (a `synetune blackbox-script` process starts in ~30 ms, up to a few hundred
// ms on a loaded 2-core CI machine) and its error adds up over the trials a worker runs in
// sequence (<= 4 here); sleeps and the tuner's polling add ~1 ms. The simulator models no
// start latency (--simulator-latency 0). 0.3 s covers 4 starts of 75 ms each, or one start
// slowed by 300 ms; a larger margin leaves no tie-free decisions in runs of ~10 s.
constexpr double kJitter = 0.3;
constexpr int kTrials = 8;         // trials per run: points_to_evaluate, identical in both runs
constexpr int kMinDecisions = 6;   // rung decisions that must be comparable (not tie-dependent)
constexpr int kMaxT = 9;           // rungs at epochs 1, 3 (reduction factor 3), max_t = 9

struct Decision {
  double time;
  TrialId trial;
  int epoch;
  std::string decision;
};

// Rung decisions (results at a rung level) in journal order.
std::vector<Decision> rung_decisions(const fs::path& exp) {
  std::vector<Decision> out;
  for (const auto& j : journal(exp, "result")) {
    const int epoch = static_cast<int>(j["result"]["epoch"].get<double>());
    if (epoch == 1 || epoch == 3)
      out.push_back({j["time"].get<double>(), j["trial_id"].get<TrialId>(), epoch,
                     j.value("decision", std::string("CONTINUE"))});  // CONTINUE is left out
  }
  return out;
}

// Index of the first decision that depends on an ordering tie: another trial reached the
// same rung less than `tie` (simulated seconds) before or after it. Decisions are compared up
// to there only: one that went the other way changes when a worker frees, hence the timing
// of everything after it.
std::size_t first_tie_dependent(const std::vector<Decision>& d, double tie) {
  for (std::size_t i = 0; i < d.size(); ++i)
    for (std::size_t k = 0; k < d.size(); ++k)
      if (k != i && d[k].epoch == d[i].epoch && d[k].trial != d[i].trial &&
          std::fabs(d[k].time - d[i].time) < tie)
        return i;
  return d.size();
}

std::vector<std::string> common_args(const TempRoot& root, const std::string& name,
                                     const std::string& points) {
  // --max-num-trials-started as Syne Tune: stops once more than that many started.
  return {"--method", "ASHA", "--type", "stopping", "--grace-period", "1", "--reduction-factor",
          "3", "--n-workers", "2", "--points-to-evaluate", points, "--max-num-trials-started",
          std::to_string(kTrials - 1), "--wait-trial-completion-when-stopping", "--max-t",
          std::to_string(kMaxT), "--param", "epochs=" + std::to_string(kMaxT), "--seed", "0",
          "--tuner-name", name, "--experiment-root", root.path().string(), "--quiet"};
}

CliRun tune(const TempRoot& root, std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return run_cli(args, root.path());
}

TEST(SimVsLocalE2E, AshaMakesTheSameFirstDecisions) {
  TempRoot root;
  auto bb = load_blackbox("synthetic_lc_tab");

  // Rows of the table evaluated in order (points_to_evaluate, so both runs train the same
  // configs: the simulator samples table rows, the local searcher the continuous space).
  // More points than trials: every started trial is one of them.
  auto points_from = [&](std::size_t first_row) {
    Json pts = Json::array();
    for (int i = 0; i < kTrials + 2; ++i) pts.push_back(bb->configurations()[first_row + i]);
    return pts.dump();
  };

  // Simulated runs until a window of table rows whose first kMinDecisions rung decisions
  // cannot depend on ties (the simulator is deterministic, so the choice is too).
  std::optional<std::size_t> row;
  std::vector<Decision> sim;
  std::size_t comparable = 0;
  for (std::size_t first = 0; first + kTrials + 2 <= bb->configurations().size() && first < 400;
       ++first) {
    const std::string name = "sim-" + std::to_string(first);
    CliRun s = tune(root, {"tune", "--backend", "simulator", "--benchmark", "synthetic_lc_tab",
                           "--max-resource-attr", "epochs", "--simulator-latency", "0"},
                    common_args(root, name, points_from(first)));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    sim = rung_decisions(root.path() / name);
    comparable = first_tie_dependent(sim, kJitter / kTimeScale);
    // The comparison is meaningful only if ASHA stops some trials and continues others.
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < comparable; ++i) kinds.insert(sim[i].decision);
    if (comparable >= static_cast<std::size_t>(kMinDecisions) && kinds.size() == 2) {
      row = first;
      break;
    }
  }
  ASSERT_TRUE(row) << "no window of table rows gives " << kMinDecisions
                   << " tie-free decisions, some CONTINUE and some STOP";
  std::cout << "[          ] table rows " << *row << "-" << *row + kTrials - 1 << ": " << comparable
            << " of " << sim.size() << " rung decisions are tie-free\n";

  const fs::path wrapper = root.path() / "blackbox.sh";
  std::ofstream(wrapper) << "#!/bin/sh\nexec '" << SYNETUNE_CLI
                         << "' blackbox-script synthetic_lc_tab --time-scale " << kTimeScale
                         << " \"$@\"\n";
  ::chmod(wrapper.c_str(), 0755);
  CliRun l = tune(root,
                  {"tune", "--entry-point", wrapper.string(), "--metric", "valid_error", "--mode",
                   "min", "--resource-attr", "epoch", "--param", "x1=uniform(0,1)", "--param",
                   "x2=uniform(0,1)", "--param", "lr=loguniform(0.001,1)"},
                  common_args(root, "local", points_from(*row)));
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_LT(l.seconds, 30.0);

  // Same configs in the same trial order.
  const auto sim_starts = journal(root.path() / ("sim-" + std::to_string(*row)), "trial_start");
  const auto local_starts = journal(root.path() / "local", "trial_start");
  ASSERT_EQ(sim_starts.size(), static_cast<std::size_t>(kTrials));
  ASSERT_EQ(local_starts.size(), sim_starts.size());
  for (std::size_t i = 0; i < sim_starts.size(); ++i) {
    EXPECT_EQ(local_starts[i]["trial_id"], sim_starts[i]["trial_id"]);
    EXPECT_EQ(local_starts[i]["config"], sim_starts[i]["config"]) << "trial " << i;
  }

  // The tie-free decisions: each made on the same rung, with the same outcome, locally.
  std::map<std::pair<TrialId, int>, std::string> local;
  for (const auto& d : rung_decisions(root.path() / "local")) local[{d.trial, d.epoch}] = d.decision;
  for (std::size_t i = 0; i < comparable; ++i) {
    auto it = local.find({sim[i].trial, sim[i].epoch});
    ASSERT_NE(it, local.end()) << "trial " << sim[i].trial << " never reached epoch " << sim[i].epoch
                               << " locally";
    EXPECT_EQ(it->second, sim[i].decision) << "trial " << sim[i].trial << " at epoch " << sim[i].epoch;
  }
}

}  // namespace
}  // namespace synetune::e2e
