#pragma once
/// Conformance suite for Scheduler implementations (style rule 32), driven by SimDriver
/// (scheduler_driver.hpp: fabricated learning curves, no backend, no clock).
///
/// Usage, in exactly one .cpp file of a GoogleTest binary (the suite's tests are defined
/// here, so a second inclusion in the same binary would define them twice):
///
///     SchedulerFactory mine() {
///       SchedulerFactory f;
///       f.name = "Mine";
///       f.make = [](std::uint64_t seed) { return std::make_unique<MyScheduler>(..., seed); };
///       return f;
///     }
///     INSTANTIATE_TEST_SUITE_P(My, SchedulerConformance, ::testing::Values(mine()),
///                              synetune::testing::SchedulerFactory::test_name);
///
/// The scheduler must optimise metric "loss" (mode min) reported with resource "epoch"
/// (1, 2, ...), as SimDriver reports them; trials complete at `max_resource`.
///
/// Contract (each a check function below, usable without GoogleTest):
///  - every trial reaches at most one terminal state, and after the end of tuning (no new
///    suggestions, running trials report until they end) each is terminal or paused;
///  - suggestions refer only to known trials: a resume names a trial that is paused (never a
///    failed, stopped, completed or unknown one), a warm start a trial that exists;
///  - a result for a trial id that was never added is ignored, adopted or rejected with an
///    exception, as the factory declares (UnknownTrialResult), never a crash; the scheduler
///    goes on, and unless it adopted the trial it never refers to it again;
///  - the same seed gives the same decisions (trace), different seeds different ones;
///  - load_state(save_state()) mid-run, through the checkpoint text (append_state), into a
///    scheduler built with another seed continues exactly as the uninterrupted run;
///  - suggested configs (new trials and resumes' new configs) lie inside the space;
///  - requirements() is truthful: without pause_resume no pause decision and no resume,
///    without warm_start no warm-started trial (the Tuner trusts it to pick backends).
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/space/config_space.hpp"
#include "synetune/testing/conformance.hpp"
#include "synetune/testing/scheduler_driver.hpp"

namespace synetune::testing {

/// What a scheduler does with a result for a trial id it was never told of.
enum class UnknownTrialResult {
  kIgnored,  ///< returns a decision and never refers to the trial again
  /// Returns a decision and adopts the trial as if it had been added (it may pause and later
  /// resume it): a scheduler restored from an older checkpoint then still handles the trials
  /// the tuner started after that checkpoint.
  kAdopted,
  kThrows,   ///< throws an exception derived from std::exception, and carries on
};

/// How to build the scheduler under test, and what it promises.
struct SchedulerFactory {
  /// Test-name suffix: letters and digits only.
  std::string name;
  /// Builds the scheduler seeded by `seed` (its searcher's seed derived from it).
  std::function<std::unique_ptr<Scheduler>(std::uint64_t seed)> make;
  /// The space the scheduler suggests from.
  ConfigSpace space = test_space();
  /// Config keys the scheduler may add besides the space's (ProblemSpec::max_resource_attr).
  std::vector<std::string> extra_config_keys;
  /// Resource at which SimDriver completes a trial (the scheduler's max_t).
  std::int64_t max_resource = 27;
  int workers = 4;
  int steps = 300;  ///< reports per run (model-based schedulers are slow: fewer)
  UnknownTrialResult unknown_trial_result = UnknownTrialResult::kIgnored;

  static std::string test_name(const ::testing::TestParamInfo<SchedulerFactory>& info) { return info.param.name; }
  friend void PrintTo(const SchedulerFactory& f, std::ostream* os) { *os << f.name; }
};

namespace conformance_detail {
inline Failure violations(const SimDriver& d) {
  if (d.violations.empty()) return std::nullopt;
  std::string s = std::to_string(d.violations.size()) + " protocol violations:";
  for (const auto& v : d.violations) s += "\n  " + v;
  return s;
}
/// The checkpoint's form of the state, read back as the tuner does.
inline Json checkpoint_round_trip(const Scheduler& s) {
  std::string text;
  s.append_state(text);
  return parse_json_lenient(text);
}
}  // namespace conformance_detail

/// With failures now and then: no protocol violation, at most one terminal state per trial,
/// and after the end of tuning every trial is terminal (exactly once) or paused.
inline Failure check_scheduler_lifecycle(const SchedulerFactory& f, std::uint64_t seed = 1) {
  auto s = f.make(seed);
  SimDriver d(*s, f.workers, seed, false, 0.05);
  d.run(f.steps, f.max_resource);
  d.drain(f.max_resource);
  if (auto v = conformance_detail::violations(d)) return v;
  if (d.trials().empty()) return "no trial was started";
  for (const auto& [id, t] : d.trials()) {
    const bool terminal = is_finished(t.trial.status);
    if (!terminal && t.trial.status != TrialStatus::kPaused)
      return "trial " + std::to_string(id) + " is " + to_string(t.trial.status) + " after the end of tuning";
    if (t.terminal_events != (terminal ? 1 : 0))
      return "trial " + std::to_string(id) + " reached " + std::to_string(t.terminal_events) + " terminal states";
  }
  return std::nullopt;
}

/// Many failures: a failed trial is never resumed (SimDriver flags a resume of any trial that
/// is not paused).
inline Failure check_scheduler_failed_never_resumed(const SchedulerFactory& f, std::uint64_t seed = 2) {
  auto s = f.make(seed);
  SimDriver d(*s, f.workers, seed, false, 0.25);
  d.run(f.steps, f.max_resource);
  if (d.trace().find('E') == std::string::npos) return "no trial failed: the check did not run";
  return conformance_detail::violations(d);
}

/// Resumes name paused trials only; warm starts name existing trials.
inline Failure check_scheduler_known_trials_only(const SchedulerFactory& f, std::uint64_t seed = 3) {
  auto s = f.make(seed);
  SimDriver d(*s, f.workers, seed);
  d.run(f.steps, f.max_resource);
  return conformance_detail::violations(d);
}

/// A result for a never-added trial is ignored, adopted or rejected as declared; the run goes
/// on, and only an adopted trial may be referred to (resumed) later.
inline Failure check_scheduler_unknown_trial_result(const SchedulerFactory& f, std::uint64_t seed = 4) {
  constexpr TrialId kUnknown = 1'000'000;
  auto s = f.make(seed);
  SimDriver d(*s, f.workers, seed);
  d.run(f.steps / 2, f.max_resource);
  bool threw = false;
  try {
    d.report_unknown(kUnknown);
  } catch (const std::exception&) {
    threw = true;
  }
  if (threw != (f.unknown_trial_result == UnknownTrialResult::kThrows))
    return "a result for never-added trial " + std::to_string(kUnknown) + (threw ? " threw" : " did not throw") +
           ", unlike the factory declares";
  d.run(f.steps / 2, f.max_resource);
  if (f.unknown_trial_result == UnknownTrialResult::kAdopted)
    std::erase(d.violations, "resume of a trial that is not paused: " + std::to_string(kUnknown) + " (unknown)");
  return conformance_detail::violations(d);
}

/// Same seed (scheduler and driver): the same trace.
inline Failure check_scheduler_same_seed(const SchedulerFactory& f, std::uint64_t seed = 5) {
  auto a = f.make(seed), b = f.make(seed);
  SimDriver da(*a, f.workers, 1, false, 0.02), db(*b, f.workers, 1, false, 0.02);
  da.run(f.steps, f.max_resource);
  db.run(f.steps, f.max_resource);
  if (da.trace() != db.trace()) return "same seed, different traces:\n" + da.trace() + "\nvs\n" + db.trace();
  return std::nullopt;
}

/// Different scheduler seeds (same driver): different traces.
inline Failure check_scheduler_different_seed(const SchedulerFactory& f) {
  auto a = f.make(6), b = f.make(7);
  SimDriver da(*a, f.workers, 1), db(*b, f.workers, 1);
  da.run(f.steps, f.max_resource);
  db.run(f.steps, f.max_resource);
  if (da.trace() == db.trace()) return "seeds 6 and 7 gave the same trace:\n" + da.trace();
  return std::nullopt;
}

/// State saved mid-run and loaded into a scheduler built with another seed: the rest of the
/// trace equals the uninterrupted run's.
inline Failure check_scheduler_save_load(const SchedulerFactory& f, std::uint64_t seed = 8) {
  auto full = f.make(seed), part = f.make(seed);
  SimDriver dfull(*full, f.workers, 2, false, 0.02), dpart(*part, f.workers, 2, false, 0.02);
  dfull.run(f.steps, f.max_resource);
  dpart.run(f.steps / 2, f.max_resource);
  auto restored = f.make(seed + 1000);
  restored->load_state(conformance_detail::checkpoint_round_trip(*part));
  dpart.rebind(*restored);
  dpart.run(f.steps - f.steps / 2, f.max_resource);
  if (dpart.trace() != dfull.trace()) {
    const auto& a = dpart.trace();
    const auto& b = dfull.trace();
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    const std::size_t from = i > 200 ? i - 200 : 0;
    return "after load_state at step " + std::to_string(f.steps / 2) + " the traces differ at character " +
           std::to_string(i) + ":\n  restored: ..." + a.substr(from, 400) + "\n  uninterrupted: ..." + b.substr(from, 400);
  }
  return std::nullopt;
}

/// Every suggested config (new trials, resumes' new configs) lies inside the space.
inline Failure check_scheduler_suggestions_in_space(const SchedulerFactory& f, std::uint64_t seed = 9) {
  auto s = f.make(seed);
  SimDriver d(*s, f.workers, seed, false, 0.02);
  d.run(f.steps, f.max_resource);
  if (d.suggested_configs.empty()) return "nothing was suggested";
  for (const auto& c : d.suggested_configs)
    if (auto why = check_config_in_space(f.space, c, f.extra_config_keys)) return why;
  return std::nullopt;
}

/// What the scheduler does stays within what requirements() declares of the backend.
inline Failure check_scheduler_requirements_truthful(const SchedulerFactory& f, std::uint64_t seed = 10) {
  auto s = f.make(seed);
  const SchedulerRequirements need = s->requirements();
  SimDriver d(*s, f.workers, seed, false, 0.02);
  d.run(f.steps, f.max_resource);
  if (!need.pause_resume) {
    for (const auto& dec : d.decisions())
      if (dec.d == Decision::kPause)
        return "paused trial " + std::to_string(dec.id) + " but requirements().pause_resume is false";
    if (!d.resumes.empty())
      return "resumed trial " + std::to_string(d.resumes[0].first) + " but requirements().pause_resume is false";
  }
  if (!need.warm_start)
    for (const auto& [id, from] : d.starts)
      if (from) return "warm-started trial " + std::to_string(id) + " but requirements().warm_start is false";
  return std::nullopt;
}

class SchedulerConformance : public ::testing::TestWithParam<SchedulerFactory> {};

TEST_P(SchedulerConformance, EveryTrialReachesOneTerminalState) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_lifecycle(GetParam())); }
TEST_P(SchedulerConformance, FailedTrialsNeverResumed) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_failed_never_resumed(GetParam())); }
TEST_P(SchedulerConformance, SuggestionsOnlyForKnownTrials) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_known_trials_only(GetParam())); }
TEST_P(SchedulerConformance, ResultForUnknownTrialAsDeclared) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_unknown_trial_result(GetParam())); }
TEST_P(SchedulerConformance, SameSeedSameDecisions) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_same_seed(GetParam())); }
TEST_P(SchedulerConformance, DifferentSeedDifferentDecisions) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_different_seed(GetParam())); }
TEST_P(SchedulerConformance, SaveLoadMidRunContinuesIdentically) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_save_load(GetParam())); }
TEST_P(SchedulerConformance, SuggestionsInsideSpace) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_suggestions_in_space(GetParam())); }
TEST_P(SchedulerConformance, RequirementsTruthful) { SYNETUNE_EXPECT_CONFORMS(check_scheduler_requirements_truthful(GetParam())); }

}  // namespace synetune::testing
