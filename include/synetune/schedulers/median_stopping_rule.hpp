#pragma once
/// Median stopping rule (Syne Tune `median_stopping_rule.py`, same in 0.13 and 0.15 except the
/// resource key: 0.13 `resource_attr`, used here via ProblemSpec): wraps another scheduler and
/// stops a trial whose (running-average) value ranks in the worse half at its resource level.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>

#include "synetune/schedulers/rung_system.hpp"
#include "synetune/schedulers/scheduler.hpp"

namespace synetune {

struct MedianStoppingRuleOptions {
  double grace_time = 1.0;          ///< no stopping at resource < grace_time
  std::int64_t grace_population = 5;  ///< no stopping with fewer values at the level
  double rank_cutoff = 0.5;         ///< stop iff normalized rank > rank_cutoff
  bool running_average = true;      ///< compare running means of each trial's values
  void validate() const;
  Json to_json() const;
};

class MedianStoppingRule : public Scheduler {
 public:
  MedianStoppingRule(std::unique_ptr<Scheduler> scheduler, MedianStoppingRuleOptions options);

  std::optional<TrialSuggestion> suggest(TrialId next_trial_id) override { return inner_->suggest(next_trial_id); }
  void on_trial_add(const Trial& trial) override { inner_->on_trial_add(trial); }
  Decision on_trial_result(const Trial& trial, const Result& result) override;
  void on_trial_complete(const Trial& trial, const Result& last_result) override {
    inner_->on_trial_complete(trial, last_result);
  }
  void on_trial_error(const Trial& trial) override { inner_->on_trial_error(trial); }
  void on_trial_remove(const Trial& trial) override { inner_->on_trial_remove(trial); }

  /// The wrapped scheduler's: this rule itself only stops trials.
  SchedulerRequirements requirements() const override { return inner_->requirements(); }
  const ProblemSpec& problem() const override { return inner_->problem(); }
  std::vector<std::string> metric_names() const override { return inner_->metric_names(); }
  /// Every result is ranked at its time step (a number), and then given to the wrapped
  /// scheduler, which may need more.
  ResourceNeed resource_need() const override { return std::max(ResourceNeed::kNumber, inner_->resource_need()); }
  Json metadata() const override;
  Json save_state() const override;
  void load_state(const Json& state) override;

 private:
  std::unique_ptr<Scheduler> inner_;
  MedianStoppingRuleOptions options_;
  std::map<double, OrderStatistics> sorted_results_;  ///< resource level -> values
  struct Sum {
    double sum = 0.0;
    std::int64_t n = 0;
  };
  std::unordered_map<TrialId, Sum> trial_sums_;
};

}  // namespace synetune
