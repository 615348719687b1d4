#pragma once
/// Syne Tune's StoppingCriterion: any set field triggers; every test is strict (> or <).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "synetune/core/json.hpp"

namespace synetune {

/// Progress of a tuning, as the stopping criterion and the progress line see it.
struct TuningStatus {
  double wallclock_time = 0.0;  ///< tuner time in seconds (simulated for the simulator)
  std::int64_t num_evaluations = 0;
  std::int64_t num_trials_started = 0;
  std::int64_t num_trials_completed = 0;
  std::int64_t num_trials_failed = 0;
  std::int64_t num_trials_stopped = 0;  ///< Stopped by a decision (finished, not completed)
  std::int64_t num_trials_running = 0;
  std::int64_t num_trials_paused = 0;
  double cost = 0.0;  ///< sum over trials of their largest st_worker_cost
  std::map<std::string, double> metric_max, metric_min;  ///< over all results
  std::int64_t num_trials_finished() const {
    return num_trials_completed + num_trials_failed + num_trials_stopped;
  }
  Json to_json() const;
  static TuningStatus from_json(const Json& j);
};

struct StoppingCriterion {
  std::optional<double> max_wallclock_time;
  std::optional<std::int64_t> max_num_evaluations;
  std::optional<std::int64_t> max_num_trials_started;
  std::optional<std::int64_t> max_num_trials_completed;
  std::optional<std::int64_t> max_num_trials_finished;
  std::optional<double> max_cost;
  std::map<std::string, double> max_metric_value;  ///< stop once a metric's max exceeds it
  std::map<std::string, double> min_metric_value;  ///< stop once a metric's min goes below it

  bool empty() const;
  bool should_stop(const TuningStatus& s) const;
  /// Human-readable reason why should_stop is true (empty if it is not).
  std::string reason(const TuningStatus& s) const;
  Json to_json() const;
  static StoppingCriterion from_json(const Json& j);
};

}  // namespace synetune
