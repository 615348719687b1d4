#pragma once
/// Test helper (exported for third-party schedulers): drives a Scheduler with fabricated
/// results, without a backend or a tuner, recording every suggestion and decision so that runs
/// can be compared and lifecycle invariants checked. It plays the tuner's part of the trial
/// life cycle (docs/architecture.md): start / resume on suggestions, pause / stop on
/// decisions, completion at `max_resource`, and random failures.
///
/// Protocol violations the scheduler causes are collected in `violations` (never thrown), so
/// that a conformance check can report all of them at once.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/searchers/random_searcher.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune::testing {

/// Two tunable hyperparameters; what the scheduler unit tests run on.
inline ConfigSpace test_space() {
  ConfigSpace s;
  s.add("x", uniform(0.0, 1.0));
  s.add("n", randint(1, 10));
  return s;
}

inline std::unique_ptr<Searcher> test_searcher(std::uint64_t seed = 1) {
  return std::make_unique<RandomSearcher>(test_space(), Rng(seed));
}

/// Learning curve: improves with the resource, ordered by x (and slightly by n, if present).
inline double test_objective(const Config& c, std::int64_t r) {
  const double x = c.at("x").get<double>();
  const double n = c.contains("n") ? c.at("n").get<double>() : 0.0;
  return x + 1.0 / static_cast<double>(r) + 0.01 * n;
}

/// A trial as the driver sees it.
struct SimTrial {
  Trial trial;
  std::int64_t resource = 0;  ///< last reported resource level
  int terminal_events = 0;    ///< how often the trial reached a terminal state (must be <= 1)
};

class SimDriver {
 public:
  /// `workers`: trials running at once; `seed`: the driver's own RNG (which trial reports
  /// next, which fails); `restart_from_scratch`: resumed trials start again at resource 0
  /// (no checkpoint); `failure_prob`: chance that a step fails the chosen trial instead of
  /// reporting a result.
  SimDriver(Scheduler& s, int workers, std::uint64_t seed, bool restart_from_scratch = false,
            double failure_prob = 0.0)
      : s_(&s), workers_(workers), rng_(seed), scratch_(restart_from_scratch), fail_p_(failure_prob) {}

  /// Runs `steps` steps (one report or failure each), or until nothing can be suggested and
  /// nothing runs. Trials complete when they report `max_resource`. run(a) then run(b) is
  /// the same as run(a + b).
  void run(int steps, std::int64_t max_resource = 1000) {
    for (int i = 0; i < steps; ++i) {
      if (!draining_) fill();
      if (running_.empty()) return;
      step(max_resource);
    }
  }

  /// End of tuning: no more suggestions; the running trials report until each completes, is
  /// stopped or paused (at most `max_steps` steps).
  void drain(std::int64_t max_resource, int max_steps = 100000) {
    draining_ = true;
    run(max_steps, max_resource);
    draining_ = false;
  }

  /// Passes a result for `trial_id`, which was never added, to the scheduler (a contract
  /// check); returns its decision. Exceptions propagate.
  Decision report_unknown(TrialId trial_id, double resource = 1.0) {
    Trial t;
    t.trial_id = trial_id;
    t.config = suggested_configs.empty() ? Config::object() : suggested_configs.front();
    Result res;
    res.trial_id = trial_id;
    res.set("loss", 0.5);
    res.set("epoch", resource);
    return s_->on_trial_result(t, res);
  }

  /// Continue with another scheduler (e.g. one restored from a saved state).
  void rebind(Scheduler& s) { s_ = &s; }
  /// Every event so far: `S<id>{config};` start, `P<id>;` resume, `R<id>@<r>:<decision>;`
  /// report, `E<id>;` failure. Equal traces mean equal decisions and suggestions.
  std::string trace() const { return trace_.str(); }
  std::map<TrialId, SimTrial>& trials() { return trials_; }
  const std::map<TrialId, SimTrial>& trials() const { return trials_; }
  struct Dec {
    TrialId id;
    std::int64_t resource;
    Decision d;
  };
  const std::vector<Dec>& decisions() const { return decisions_; }
  std::vector<std::pair<TrialId, Json>> resumes;                   ///< (trial, new config)
  std::vector<std::pair<TrialId, std::optional<TrialId>>> starts;  ///< (trial, warm_start_from)
  /// Every config the scheduler suggested: new trials' and resumes' new configs, in order.
  std::vector<Config> suggested_configs;
  std::vector<std::string> violations;

 private:
  void step(std::int64_t max_resource) {
    const TrialId id = running_[rng_.index(running_.size())];
    auto& t = trials_.at(id);
    if (fail_p_ > 0 && rng_.bernoulli(fail_p_)) {
      end(t, TrialStatus::kFailed);
      s_->on_trial_error(t.trial);
      trace_ << "E" << id << ";";
      return;
    }
    ++t.resource;
    Result res;
    res.trial_id = id;
    res.set("loss", test_objective(t.trial.config, t.resource));
    res.set("epoch", static_cast<double>(t.resource));
    const Decision d = s_->on_trial_result(t.trial, res);
    trace_ << "R" << id << "@" << t.resource << ":" << to_string(d) << ";";
    decisions_.push_back({id, t.resource, d});
    if (d == Decision::kStop) {
      end(t, TrialStatus::kStopped);
      s_->on_trial_remove(t.trial);
    } else if (d == Decision::kPause) {
      set_running(id, false);
      t.trial.status = TrialStatus::kPaused;
      s_->on_trial_remove(t.trial);
    } else if (t.resource >= max_resource) {
      end(t, TrialStatus::kCompleted);
      s_->on_trial_complete(t.trial, res);
    }
  }

  void fill() {
    while (static_cast<int>(running_.size()) < workers_) {
      auto sug = s_->suggest(next_id_);
      if (!sug) return;
      if (auto* st = std::get_if<StartTrial>(&*sug)) {
        start(*st);
      } else if (!resume(std::get<ResumeTrial>(*sug))) {
        return;
      }
    }
  }
  void start(const StartTrial& st) {
    SimTrial t;
    t.trial.trial_id = next_id_;
    t.trial.config = st.config;
    if (st.warm_start_from) {
      const auto it = trials_.find(*st.warm_start_from);
      if (it == trials_.end()) violations.push_back("warm start from unknown trial " + std::to_string(*st.warm_start_from));
      else t.resource = it->second.resource;  // checkpoint copied
    }
    starts.emplace_back(next_id_, st.warm_start_from);
    suggested_configs.push_back(st.config);
    trials_[next_id_] = t;
    s_->on_trial_add(t.trial);
    trace_ << "S" << next_id_ << st.config.dump() << ";";
    set_running(next_id_, true);
    ++next_id_;
  }
  bool resume(const ResumeTrial& rs) {
    auto it = trials_.find(rs.trial_id);
    if (it == trials_.end() || it->second.trial.status != TrialStatus::kPaused) {
      violations.push_back("resume of a trial that is not paused: " + std::to_string(rs.trial_id) +
                           (it == trials_.end() ? " (unknown)" : " (" + to_string(it->second.trial.status) + ")"));
      return false;
    }
    auto& t = it->second;
    if (rs.new_config) {
      t.trial.config = *rs.new_config;
      suggested_configs.push_back(*rs.new_config);
    }
    t.trial.status = TrialStatus::kInProgress;
    if (scratch_) t.resource = 0;
    resumes.emplace_back(rs.trial_id, rs.new_config ? *rs.new_config : Json());
    trace_ << "P" << rs.trial_id << ";";
    set_running(rs.trial_id, true);
    return true;
  }
  void end(SimTrial& t, TrialStatus s) {
    if (is_finished(t.trial.status)) violations.push_back("second terminal state for " + std::to_string(t.trial.trial_id));
    ++t.terminal_events;
    t.trial.status = s;
    set_running(t.trial.trial_id, false);
  }
  void set_running(TrialId id, bool on) {
    std::erase(running_, id);
    if (on) running_.push_back(id);
  }

  Scheduler* s_;
  int workers_;
  Rng rng_;
  bool scratch_;
  double fail_p_;
  bool draining_ = false;
  TrialId next_id_ = 0;
  std::map<TrialId, SimTrial> trials_;
  std::vector<TrialId> running_;
  std::vector<Dec> decisions_;
  std::ostringstream trace_;
};

}  // namespace synetune::testing
