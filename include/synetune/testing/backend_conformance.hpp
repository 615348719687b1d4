#pragma once
/// Conformance suite for Backend implementations (style rule 32).
///
/// Usage, in exactly one .cpp file of a GoogleTest binary (the suite's tests are defined
/// here, so a second inclusion in the same binary would define them twice):
///
///     BackendFactory mine() {
///       BackendFactory f;
///       f.name = "Mine";
///       f.make = [](const std::filesystem::path& dir) { auto b = ...; b->set_tuner_path(dir); return b; };
///       f.short_config = ...;  // reports a result or two, then exits 0
///       f.long_config = ...;   // keeps reporting for longer than `timeout`
///       return f;
///     }
///     INSTANTIATE_TEST_SUITE_P(My, BackendConformance, ::testing::Values(mine()),
///                              synetune::testing::BackendFactory::test_name);
///
/// Contract (each a check function below, usable without GoogleTest):
///  - a started trial reports results, then exactly one completion or failure event, and
///    nothing after it;
///  - events come in non-decreasing time, and now() never goes back;
///  - after stop(id) the trial reports no further result;
///  - if capabilities().pause_resume: after pause(id) no result until resume(id), and results
///    again after it;
///  - wait(deadline) returns by the deadline (plus `deadline_slack`) when nothing happens;
///  - pause / stop of an unknown trial id throw an exception derived from std::exception or
///    do nothing; never a crash, and the backend works on (no event for that id appears).
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/testing/conformance.hpp"

namespace synetune::testing {

/// How to build the backend under test, and the configs that make its trials behave.
struct BackendFactory {
  /// Test-name suffix: letters and digits only.
  std::string name;
  /// A fresh backend whose trial folders go below `tuner_path` (set_tuner_path called).
  std::function<std::unique_ptr<Backend>(const std::filesystem::path& tuner_path)> make;
  /// A trial that reports at least one result, then ends by itself with success soon.
  Config short_config;
  /// A trial that keeps reporting results (first one soon) for longer than `timeout`.
  Config long_config;
  /// A trial that reports a result, then fails by itself (optional).
  std::optional<Config> failing_config;
  /// Backend seconds to wait for expected events before giving up.
  double timeout = 5.0;
  /// Backend seconds to watch a stopped / paused trial for results that must not come.
  double quiet_period = 0.3;
  /// wait(deadline) may return this late (real clocks: scheduling; simulated: 0).
  double deadline_slack = 0.25;

  static std::string test_name(const ::testing::TestParamInfo<BackendFactory>& info) { return info.param.name; }
  friend void PrintTo(const BackendFactory& f, std::ostream* os) { *os << f.name; }
};

/// A temporary folder, removed with everything in it at destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "synetune-conformance-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Collects events, checking time order and the clock on the way.
class EventLog {
 public:
  explicit EventLog(Backend& b) : b_(&b), last_now_(b.now()) {}
  /// Waits until `done()` or `timeout` backend seconds passed.
  void wait_until(const std::function<bool()>& done, double timeout) {
    const double deadline = b_->now() + timeout;
    while (!done() && b_->now() < deadline) once(deadline);
  }
  /// Collects everything that happens within `seconds` of backend time.
  void watch(double seconds) {
    const double deadline = b_->now() + seconds;
    while (b_->now() < deadline) once(deadline);
  }
  void once(double deadline) {
    for (auto& e : b_->wait(deadline)) {
      if (!events_.empty() && e.time < events_.back().time)
        problems_.push_back("event at " + std::to_string(e.time) + " after one at " + std::to_string(events_.back().time));
      events_.push_back(std::move(e));
    }
    const double now = b_->now();
    if (now < last_now_) problems_.push_back("now() went back from " + std::to_string(last_now_) + " to " + std::to_string(now));
    last_now_ = now;
  }
  int count(TrialId id, BackendEvent::Kind kind, std::size_t from = 0) const {
    int n = 0;
    for (std::size_t i = from; i < events_.size(); ++i) n += events_[i].trial_id == id && events_[i].kind == kind;
    return n;
  }
  int terminal(TrialId id) const { return count(id, BackendEvent::Kind::kCompleted) + count(id, BackendEvent::Kind::kFailed); }
  /// Per trial: results first, then exactly one terminal event (if `ended`), nothing after.
  Failure check_sequence(TrialId id, bool must_end, bool must_report = true) const {
    int terminal_seen = 0, results = 0;
    for (const auto& e : events_) {
      if (e.trial_id != id) continue;
      if (terminal_seen > 0) return "trial " + std::to_string(id) + ": event after its terminal event";
      if (e.kind == BackendEvent::Kind::kResult) ++results;
      else ++terminal_seen;
    }
    if (must_report && results == 0) return "trial " + std::to_string(id) + " reported no result";
    if (must_end && terminal_seen != 1) return "trial " + std::to_string(id) + " did not end (no completion or failure event)";
    return std::nullopt;
  }
  Failure problems() const {
    if (problems_.empty()) return std::nullopt;
    return problems_.front();
  }
  std::size_t size() const { return events_.size(); }

 private:
  Backend* b_;
  double last_now_;
  std::vector<BackendEvent> events_;
  std::vector<std::string> problems_;
};

/// Short trials (and a failing one): results, then exactly one terminal event; nothing more
/// arrives afterwards.
inline Failure check_backend_lifecycle(const BackendFactory& f) {
  ScratchDir dir;
  auto b = f.make(dir.path());
  EventLog log(*b);
  std::vector<TrialId> ids = {0, 1, 2};
  for (TrialId id : ids) b->start(id, f.short_config, std::nullopt);
  if (f.failing_config) {
    b->start(3, *f.failing_config, std::nullopt);
    ids.push_back(3);
  }
  log.wait_until([&] { return std::all_of(ids.begin(), ids.end(), [&](TrialId id) { return log.terminal(id) > 0; }); }, f.timeout);
  log.watch(f.quiet_period);  // a second terminal event or a late result would show here
  for (TrialId id : ids)
    if (auto why = log.check_sequence(id, true)) return why;
  if (f.failing_config && log.count(3, BackendEvent::Kind::kFailed) != 1) return "the failing trial did not fail";
  return log.problems();
}

/// Events of several concurrent trials come in non-decreasing time; now() never goes back.
inline Failure check_backend_time_order(const BackendFactory& f) {
  ScratchDir dir;
  auto b = f.make(dir.path());
  EventLog log(*b);
  b->start(0, f.long_config, std::nullopt);
  b->start(1, f.short_config, std::nullopt);
  b->start(2, f.long_config, std::nullopt);
  log.wait_until([&] { return log.count(0, BackendEvent::Kind::kResult) >= 3 && log.terminal(1) > 0; }, f.timeout);
  b->stop_all();
  if (log.size() < 4) return "too few events to check their order: " + std::to_string(log.size());
  return log.problems();
}

/// After stop(id), no further result of the trial.
inline Failure check_backend_stop(const BackendFactory& f) {
  ScratchDir dir;
  auto b = f.make(dir.path());
  EventLog log(*b);
  b->start(0, f.long_config, std::nullopt);
  log.wait_until([&] { return log.count(0, BackendEvent::Kind::kResult) > 0; }, f.timeout);
  if (log.count(0, BackendEvent::Kind::kResult) == 0) return "the long trial reported nothing";
  b->stop(0);
  const std::size_t mark = log.size();
  log.watch(f.quiet_period);
  if (const int n = log.count(0, BackendEvent::Kind::kResult, mark)) return std::to_string(n) + " results after stop()";
  if (log.terminal(0) > 1) return "more than one terminal event after stop()";
  return log.problems();
}

/// With pause_resume: no result between pause and resume, results again after resume.
inline Failure check_backend_pause_resume(const BackendFactory& f) {
  ScratchDir dir;
  auto b = f.make(dir.path());
  if (!b->capabilities().pause_resume) return std::nullopt;
  EventLog log(*b);
  b->start(0, f.long_config, std::nullopt);
  log.wait_until([&] { return log.count(0, BackendEvent::Kind::kResult) > 0; }, f.timeout);
  if (log.count(0, BackendEvent::Kind::kResult) == 0) return "the long trial reported nothing";
  b->pause(0);
  std::size_t mark = log.size();
  log.watch(f.quiet_period);
  if (const int n = log.count(0, BackendEvent::Kind::kResult, mark)) return std::to_string(n) + " results while paused";
  b->resume(0, f.long_config);
  mark = log.size();
  log.wait_until([&] { return log.count(0, BackendEvent::Kind::kResult, mark) > 0; }, f.timeout);
  if (log.count(0, BackendEvent::Kind::kResult, mark) == 0) return "no result after resume()";
  b->stop_all();
  return log.problems();
}

/// wait(deadline) returns by the deadline when nothing happens: idle, and with a trial whose
/// next result is not due yet.
inline Failure check_backend_wait_deadline(const BackendFactory& f) {
  ScratchDir dir;
  auto b = f.make(dir.path());
  for (double d : {0.01, 0.1}) {
    const double deadline = b->now() + d;
    const auto ev = b->wait(deadline);
    if (!ev.empty()) return "an idle backend returned " + std::to_string(ev.size()) + " events";
    if (b->now() > deadline + f.deadline_slack)
      return "idle wait(now + " + std::to_string(d) + ") returned " + std::to_string(b->now() - deadline) + " s late";
  }
  b->start(0, f.long_config, std::nullopt);
  for (int i = 0; i < 5; ++i) {
    const double deadline = b->now() + 0.001;
    b->wait(deadline);
    if (b->now() > deadline + f.deadline_slack)
      return "wait(now + 0.001) with a running trial returned " + std::to_string(b->now() - deadline) + " s late";
  }
  b->stop_all();
  return std::nullopt;
}

/// pause / stop of a trial id never started: an exception or nothing, no crash; the backend
/// still runs a trial afterwards, and no event names the unknown id.
inline Failure check_backend_unknown_trial_ids(const BackendFactory& f) {
  constexpr TrialId kUnknown = 424242;
  ScratchDir dir;
  auto b = f.make(dir.path());
  for (const auto& call : std::vector<std::function<void()>>{[&] { b->pause(kUnknown); }, [&] { b->stop(kUnknown); }}) {
    try {
      call();
    } catch (const std::exception&) {
      // An error is a conforming answer.
    }
  }
  EventLog log(*b);
  b->start(0, f.short_config, std::nullopt);
  log.wait_until([&] { return log.terminal(0) > 0; }, f.timeout);
  if (auto why = log.check_sequence(0, true)) return "after pause/stop of an unknown id: " + *why;
  if (log.count(kUnknown, BackendEvent::Kind::kResult) + log.terminal(kUnknown) > 0) return "events for the unknown trial id";
  return log.problems();
}

class BackendConformance : public ::testing::TestWithParam<BackendFactory> {};

TEST_P(BackendConformance, ResultsThenExactlyOneTerminalEvent) { SYNETUNE_EXPECT_CONFORMS(check_backend_lifecycle(GetParam())); }
TEST_P(BackendConformance, EventsInNonDecreasingTime) { SYNETUNE_EXPECT_CONFORMS(check_backend_time_order(GetParam())); }
TEST_P(BackendConformance, StopSilencesTrial) { SYNETUNE_EXPECT_CONFORMS(check_backend_stop(GetParam())); }
TEST_P(BackendConformance, PauseResumeHonoured) { SYNETUNE_EXPECT_CONFORMS(check_backend_pause_resume(GetParam())); }
TEST_P(BackendConformance, WaitReturnsByDeadline) { SYNETUNE_EXPECT_CONFORMS(check_backend_wait_deadline(GetParam())); }
TEST_P(BackendConformance, UnknownTrialIdsAreErrorsNotCrashes) { SYNETUNE_EXPECT_CONFORMS(check_backend_unknown_trial_ids(GetParam())); }

}  // namespace synetune::testing
