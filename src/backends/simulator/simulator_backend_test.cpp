#include "synetune/backends/simulator_backend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <limits>

#include "blackboxes/analytic_blackbox.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::shared_ptr<const Blackbox> synthetic() { return load_blackbox("synthetic_lc"); }
std::shared_ptr<const Blackbox> synthetic_tab() { return load_blackbox("synthetic_lc_tab"); }

Config cfg(double x1, double x2, double lr) { return {{"x1", x1}, {"x2", x2}, {"lr", lr}}; }

// Elapsed seconds per epoch of the synthetic family: 0.5 + 1.5 x2.
TEST(SimulatorBackend, ResultsAtStartPlusElapsedPlusDelays) {
  SimulatorBackend b(synthetic());
  EXPECT_TRUE(b.capabilities().simulated_time);
  b.start(0, cfg(0.3, 0.5, 0.1), std::nullopt);  // 1.25 s per epoch
  auto ev = b.wait(kInf);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, BackendEvent::Kind::kResult);
  EXPECT_NEAR(ev[0].time, 0.05 + 1.25 + 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(b.now(), ev[0].time);
  EXPECT_EQ(ev[0].result.get("epoch"), 1.0);
  EXPECT_NEAR(ev[0].result.get("valid_error"), synthetic_lc_value(0.3, 0.5, 0.1, 1, 81), 1e-12);
  ev = b.wait(kInf);
  EXPECT_NEAR(ev[0].time, 0.05 + 2.5 + 0.05, 1e-12);
  EXPECT_EQ(ev[0].result.get("epoch"), 2.0);
}

TEST(SimulatorBackend, WaitAdvancesToDeadlineWhenNothingIsEarlier) {
  SimulatorBackend b(synthetic());
  b.start(0, cfg(0.3, 1.0, 0.1), std::nullopt);  // first result at 2.1
  EXPECT_TRUE(b.wait(1.0).empty());
  EXPECT_DOUBLE_EQ(b.now(), 1.0);
  EXPECT_TRUE(b.wait(0.5).empty());  // never goes back
  EXPECT_DOUBLE_EQ(b.now(), 1.0);
  EXPECT_EQ(b.wait(3.0).size(), 1u);
  EXPECT_NEAR(b.now(), 2.1, 1e-12);
  SimulatorBackend empty(synthetic());
  EXPECT_TRUE(empty.wait(kInf).empty());
  EXPECT_EQ(empty.now(), 0.0);
}

TEST(SimulatorBackend, EventsInTimeOrderClockMonotoneAndTiesTogether) {
  SimulatorOptions o;
  o.max_resource_attr = "epochs";
  SimulatorBackend b(synthetic(), o);
  // Two identical-cost trials: their results tie and come back in one batch.
  Config a = cfg(0.1, 0.2, 0.01), c = cfg(0.9, 0.2, 0.5), d = cfg(0.5, 0.9, 0.05);
  a["epochs"] = 5, c["epochs"] = 5, d["epochs"] = 3;
  b.start(0, a, std::nullopt);
  b.start(1, c, std::nullopt);
  b.start(2, d, std::nullopt);
  double last = 0;
  int results = 0, completed = 0;
  std::vector<double> epochs_of_2;
  for (;;) {
    auto ev = b.wait(kInf);
    if (ev.empty()) break;
    for (std::size_t i = 0; i < ev.size(); ++i) {
      EXPECT_GE(ev[i].time, last);
      last = ev[i].time;
      if (i) {
        EXPECT_EQ(ev[i].time, ev[0].time);
      }
      if (ev[i].kind == BackendEvent::Kind::kResult) ++results;
      if (ev[i].kind == BackendEvent::Kind::kCompleted) ++completed;
      if (ev[i].trial_id == 2 && ev[i].kind == BackendEvent::Kind::kResult)
        epochs_of_2.push_back(ev[i].result.get("epoch"));
    }
    EXPECT_DOUBLE_EQ(b.now(), last);
    if (ev.size() > 1) {
      EXPECT_NE(ev[0].trial_id, ev[1].trial_id);
    }
  }
  EXPECT_EQ(results, 5 + 5 + 3);  // config["epochs"] limits each trial
  EXPECT_EQ(completed, 3);
  EXPECT_EQ(epochs_of_2, (std::vector<double>{1, 2, 3}));
}

TEST(SimulatorBackend, PauseResumeContinuesAfterLastFidelityRebased) {
  SimulatorBackend b(synthetic());
  b.start(0, cfg(0.3, 0.5, 0.1), std::nullopt);
  b.wait(kInf);
  b.wait(kInf);  // epochs 1, 2 reported
  b.pause(0);
  EXPECT_EQ(b.num_pending_events(), 0u);
  EXPECT_EQ(b.last_fidelity(0), 2);
  const double t_pause = b.now();
  EXPECT_NEAR(t_pause, 0.05 + 2.5 + 0.05 + 0.05, 1e-12);  // + delay_stop
  EXPECT_TRUE(b.wait(100.0).empty());
  b.resume(0, cfg(0.3, 0.5, 0.1));
  auto ev = b.wait(kInf);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].result.get("epoch"), 3.0);
  // Rebased: one epoch of training after the resume.
  EXPECT_NEAR(ev[0].time, 100.0 + 0.05 + 1.25 + 0.05, 1e-9);
  EXPECT_NEAR(ev[0].result.get("elapsed_time"), 1.25, 1e-9);
}

TEST(SimulatorBackend, StopDropsFutureEventsAndCompletionFollowsLastResult) {
  SimulatorOptions o;
  o.max_resource_attr = "epochs";
  SimulatorBackend b(synthetic(), o);
  Config c = cfg(0.3, 0.5, 0.1);
  c["epochs"] = 2;
  b.start(0, c, std::nullopt);
  b.start(1, cfg(0.3, 0.0, 0.1), std::nullopt);  // 0.5 s per epoch
  auto ev = b.wait(kInf);
  ASSERT_EQ(ev[0].trial_id, 1);
  b.stop(1);
  int n0 = 0;
  for (auto e = b.wait(kInf); !e.empty(); e = b.wait(kInf))
    for (const auto& x : e) {
      EXPECT_EQ(x.trial_id, 0);
      ++n0;
      if (x.kind == BackendEvent::Kind::kCompleted) {
        EXPECT_NEAR(x.time, 0.05 + 2.5 + 0.05 + 0.05, 1e-9);
      }
    }
  EXPECT_EQ(n0, 3);  // 2 results + completion
  EXPECT_THROW(b.pause(42), InvalidArgument);
}

TEST(SimulatorBackend, WarmStartContinuesFromDonorFidelity) {
  SimulatorBackend b(synthetic());
  b.start(0, cfg(0.3, 0.5, 0.1), std::nullopt);
  for (int i = 0; i < 4; ++i) b.wait(kInf);
  b.pause(0);
  b.start(1, cfg(0.4, 0.5, 0.2), TrialId{0});
  auto ev = b.wait(kInf);
  EXPECT_EQ(ev[0].trial_id, 1);
  EXPECT_EQ(ev[0].result.get("epoch"), 5.0);
}

TEST(SimulatorBackend, MultiSeedTableDrawsSeedPerTrialDeterministically) {
  auto rl = load_blackbox(std::string(SYNETUNE_SOURCE_DIR) + "/benchmarks/arlbench_dqn_cartpole");
  auto run = [&](std::uint64_t seed) {
    SimulatorOptions o;
    o.seed = seed;
    SimulatorBackend b(rl, o);
    for (TrialId t = 0; t < 20; ++t) b.start(t, rl->configurations()[0], std::nullopt);
    std::vector<double> out;
    for (auto ev = b.wait(kInf); !ev.empty(); ev = b.wait(kInf))
      for (const auto& e : ev)
        if (e.kind == BackendEvent::Kind::kResult) out.push_back(e.result.get("eval_return"));
    return out;
  };
  const auto a = run(1), a2 = run(1), c = run(2);
  EXPECT_EQ(a.size(), 200u);
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, c);
  // Same config, 20 trials: several distinct seeds were drawn.
  std::vector<double> finals;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::find(finals.begin(), finals.end(), a[i]) == finals.end()) finals.push_back(a[i]);
  EXPECT_GT(finals.size(), 20u);
}

// A scripted "tuner": starts trials on 4 workers, pauses at epoch 3 every other trial,
// resumes paused ones, stops some. Returns a trace of everything seen.
std::string drive(SimulatorBackend& b, int steps, int& next_id, std::vector<TrialId>& paused,
                  int& running) {
  const auto& confs = b.blackbox().configurations();
  std::string trace;
  for (int s = 0; s < steps; ++s) {
    while (running < 4) {
      if (!paused.empty() && next_id % 3 == 0) {
        b.resume(paused.front(), confs[static_cast<std::size_t>(paused.front()) % confs.size()]);
        paused.erase(paused.begin());
      } else {
        b.start(next_id, confs[static_cast<std::size_t>(next_id * 7) % confs.size()], std::nullopt);
      }
      ++next_id, ++running;
    }
    for (const auto& e : b.wait(b.now() + 50.0)) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.17g %lld %d %.17g|", e.time, static_cast<long long>(e.trial_id),
                    static_cast<int>(e.kind), e.result.get("epoch"));
      trace += buf;
      if (e.kind == BackendEvent::Kind::kCompleted) --running;
      if (e.kind != BackendEvent::Kind::kResult) continue;
      const double ep = e.result.get("epoch");
      if (ep == 3 && e.trial_id % 2 == 0) b.pause(e.trial_id), paused.push_back(e.trial_id), --running;
      else if (ep == 9 && e.trial_id % 5 == 1) b.stop(e.trial_id), --running;
    }
  }
  return trace;
}

TEST(SimulatorBackend, SameSeedSameResultsAndSaveLoadContinuesIdentically) {
  auto bb = synthetic_tab();
  SimulatorBackend full(bb);
  int id_f = 0, run_f = 0;
  std::vector<TrialId> paused_f;
  const std::string trace_full = drive(full, 300, id_f, paused_f, run_f);

  SimulatorBackend first(bb);
  int id = 0, run = 0;
  std::vector<TrialId> paused;
  std::string trace = drive(first, 120, id, paused, run);
  const Json state = Json::parse(first.save_state().dump());  // through text, as a checkpoint
  SimulatorBackend second(bb);
  second.load_state(state);
  EXPECT_EQ(second.now(), first.now());
  EXPECT_EQ(second.num_pending_events(), first.num_pending_events());
  trace += drive(second, 180, id, paused, run);
  EXPECT_EQ(trace, trace_full);
  EXPECT_GT(trace.size(), 1000u);
}

TEST(SimulatorBackend, FinishedTrialsKeepProgressForWarmStartResumeAndCheckpoints) {
  auto bb = synthetic_tab();
  const auto& confs = bb->configurations();
  SimulatorBackend b(bb);
  b.start(0, confs[10], std::nullopt);
  b.start(1, confs[20], std::nullopt);
  for (int i = 0; i < 6; ++i) b.wait(kInf);  // 3 epochs each
  ASSERT_EQ(b.last_fidelity(0), 3);
  ASSERT_EQ(b.last_fidelity(1), 3);
  b.stop(0);
  b.stop(1);
  const Json state = Json::parse(b.save_state().dump());
  ASSERT_TRUE(state.at("finished_trials").is_array());
  // The earlier checkpoint format, one [id, state, last_fidelity] array per finished trial.
  Json nested = state;
  nested["finished_trials"] = Json::array();
  for (std::size_t i = 0; i < state["finished_trials"].size(); i += 3)
    nested["finished_trials"].push_back({state["finished_trials"][i], state["finished_trials"][i + 1],
                                         state["finished_trials"][i + 2]});
  SimulatorBackend from_flat(bb), from_nested(bb);
  from_flat.load_state(state);
  from_nested.load_state(nested);
  for (SimulatorBackend* s : {&b, &from_flat, &from_nested}) {
    EXPECT_EQ(s->last_fidelity(0), 3);
    EXPECT_EQ(s->last_fidelity(1), 3);
    // Warm start from a stopped donor continues after its epoch; resuming a stopped trial
    // continues after its own last epoch, with its config's curve.
    s->start(2, confs[30], TrialId{0});
    s->resume(1, confs[20]);
    std::map<TrialId, double> first_epoch;
    while (first_epoch.size() < 2)
      for (const auto& e : s->wait(kInf)) first_epoch.emplace(e.trial_id, e.result.get("epoch"));
    EXPECT_EQ(first_epoch, (std::map<TrialId, double>{{1, 4.0}, {2, 4.0}}));
  }
  Json bad = state;
  bad["finished_trials"].push_back(1);
  SimulatorBackend c(bb);
  EXPECT_THROW(c.load_state(bad), StorageError);
}

TEST(SimulatorBackend, NoDelaysAndFixedSeedOptions) {
  SimulatorOptions o;
  o.delay_on_trial_result = o.delay_start = o.delay_stop = o.delay_complete_after_final_report = 0;
  SimulatorBackend b(synthetic(), o);
  b.start(0, cfg(0.3, 0.5, 0.1), std::nullopt);
  EXPECT_DOUBLE_EQ(b.wait(kInf)[0].time, 1.25);
  o.delay_stop = -1;
  EXPECT_THROW(SimulatorBackend(synthetic(), o), InvalidArgument);
}

}  // namespace
}  // namespace synetune
