#pragma once
// Test/bench helper: drives a Scheduler with fabricated results (no backend), recording every
// suggestion and decision so that runs can be compared and lifecycle invariants checked.
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/searchers/random_searcher.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune::testing {

inline ConfigSpace test_space() {
  ConfigSpace s;
  s.add("x", uniform(0.0, 1.0));
  s.add("n", randint(1, 10));
  return s;
}

inline std::unique_ptr<Searcher> test_searcher(std::uint64_t seed = 1) {
  return std::make_unique<RandomSearcher>(test_space(), Rng(seed));
}

/// Learning curve: improves with the resource, ordered by x.
inline double test_objective(const Config& c, std::int64_t r) {
  const double x = c.at("x").get<double>();
  return x + 1.0 / static_cast<double>(r) + 0.01 * c.at("n").get<double>();
}

struct SimTrial {
  Trial trial;
  std::int64_t resource = 0;  // last reported
  int terminal_events = 0;
};

class SimDriver {
 public:
  SimDriver(Scheduler& s, int workers, std::uint64_t seed, bool restart_from_scratch = false,
            double failure_prob = 0.0)
      : s_(&s), workers_(workers), rng_(seed), scratch_(restart_from_scratch), fail_p_(failure_prob) {}

  /// Runs `steps` reports (or until nothing can be suggested and nothing runs).
  void run(int steps, std::int64_t max_resource = 1000) {
    for (int i = 0; i < steps; ++i) {
      fill();
      if (running_.empty()) return;
      const TrialId id = running_[rng_.index(running_.size())];
      auto& t = trials_.at(id);
      if (fail_p_ > 0 && rng_.bernoulli(fail_p_)) {
        end(t, TrialStatus::kFailed);
        s_->on_trial_error(t.trial);
        trace_ << "E" << id << ";";
        continue;
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
  }

  /// Continue with another scheduler (e.g. one restored from a saved state).
  void rebind(Scheduler& s) { s_ = &s; }
  std::string trace() const { return trace_.str(); }
  std::map<TrialId, SimTrial>& trials() { return trials_; }
  struct Dec {
    TrialId id;
    std::int64_t resource;
    Decision d;
  };
  const std::vector<Dec>& decisions() const { return decisions_; }
  std::vector<std::pair<TrialId, Json>> resumes;  // (trial, new config)
  std::vector<std::pair<TrialId, std::optional<TrialId>>> starts;  // (trial, warm_start_from)
  std::vector<std::string> violations;

 private:
  void fill() {
    while (static_cast<int>(running_.size()) < workers_) {
      auto sug = s_->suggest(next_id_);
      if (!sug) return;
      if (auto* st = std::get_if<StartTrial>(&*sug)) {
        SimTrial t;
        t.trial.trial_id = next_id_;
        t.trial.config = st->config;
        if (st->warm_start_from) {
          const auto it = trials_.find(*st->warm_start_from);
          if (it == trials_.end()) violations.push_back("warm start from unknown trial");
          else t.resource = it->second.resource;  // checkpoint copied
        }
        starts.emplace_back(next_id_, st->warm_start_from);
        trials_[next_id_] = t;
        s_->on_trial_add(t.trial);
        trace_ << "S" << next_id_ << ";";
        set_running(next_id_, true);
        ++next_id_;
      } else {
        const auto& rs = std::get<ResumeTrial>(*sug);
        auto it = trials_.find(rs.trial_id);
        if (it == trials_.end() || it->second.trial.status != TrialStatus::kPaused) {
          violations.push_back("resume of a trial that is not paused: " + std::to_string(rs.trial_id));
          return;
        }
        auto& t = it->second;
        if (rs.new_config) t.trial.config = *rs.new_config;
        t.trial.status = TrialStatus::kInProgress;
        if (scratch_) t.resource = 0;
        resumes.emplace_back(rs.trial_id, rs.new_config ? *rs.new_config : Json());
        trace_ << "P" << rs.trial_id << ";";
        set_running(rs.trial_id, true);
      }
    }
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
  TrialId next_id_ = 0;
  std::map<TrialId, SimTrial> trials_;
  std::vector<TrialId> running_;
  std::vector<Dec> decisions_;
  std::ostringstream trace_;
};

}  // namespace synetune::testing
