#include "synetune/tuner/stopping_criterion.hpp"

#include <sstream>

namespace synetune {

Json TuningStatus::to_json() const {
  return Json{{"wallclock_time", wallclock_time},
              {"num_evaluations", num_evaluations},
              {"num_trials_started", num_trials_started},
              {"num_trials_completed", num_trials_completed},
              {"num_trials_failed", num_trials_failed},
              {"num_trials_stopped", num_trials_stopped},
              {"num_trials_running", num_trials_running},
              {"num_trials_paused", num_trials_paused},
              {"cost", cost},
              {"metric_max", metric_max},
              {"metric_min", metric_min}};
}

TuningStatus TuningStatus::from_json(const Json& j) {
  TuningStatus s;
  s.wallclock_time = j.value("wallclock_time", 0.0);
  s.num_evaluations = j.value("num_evaluations", std::int64_t{0});
  s.num_trials_started = j.value("num_trials_started", std::int64_t{0});
  s.num_trials_completed = j.value("num_trials_completed", std::int64_t{0});
  s.num_trials_failed = j.value("num_trials_failed", std::int64_t{0});
  s.num_trials_stopped = j.value("num_trials_stopped", std::int64_t{0});
  s.num_trials_running = j.value("num_trials_running", std::int64_t{0});
  s.num_trials_paused = j.value("num_trials_paused", std::int64_t{0});
  s.cost = j.value("cost", 0.0);
  if (j.contains("metric_max")) s.metric_max = j["metric_max"].get<std::map<std::string, double>>();
  if (j.contains("metric_min")) s.metric_min = j["metric_min"].get<std::map<std::string, double>>();
  return s;
}

bool StoppingCriterion::empty() const {
  return !max_wallclock_time && !max_num_evaluations && !max_num_trials_started &&
         !max_num_trials_completed && !max_num_trials_finished && !max_cost &&
         max_metric_value.empty() && min_metric_value.empty();
}

bool StoppingCriterion::should_stop(const TuningStatus& s) const { return !reason(s).empty(); }

std::string StoppingCriterion::reason(const TuningStatus& s) const {
  // Called on every event of the tuner loop: build a stream only for the (rare) message.
  auto msg = [](const auto&... parts) {
    std::ostringstream os;
    (os << ... << parts);
    return os.str();
  };
  if (max_wallclock_time && s.wallclock_time > *max_wallclock_time)
    return msg("max_wallclock_time ", *max_wallclock_time, " s reached");
  if (max_num_evaluations && s.num_evaluations > *max_num_evaluations)
    return msg("max_num_evaluations ", *max_num_evaluations, " exceeded");
  if (max_num_trials_started && s.num_trials_started > *max_num_trials_started)
    return msg("max_num_trials_started ", *max_num_trials_started, " exceeded");
  if (max_num_trials_completed && s.num_trials_completed > *max_num_trials_completed)
    return msg("max_num_trials_completed ", *max_num_trials_completed, " exceeded");
  if (max_num_trials_finished && s.num_trials_finished() > *max_num_trials_finished)
    return msg("max_num_trials_finished ", *max_num_trials_finished, " exceeded");
  if (max_cost && s.cost > *max_cost) return msg("max_cost ", *max_cost, " exceeded");
  for (const auto& [name, threshold] : max_metric_value) {
    auto it = s.metric_max.find(name);
    if (it != s.metric_max.end() && it->second > threshold)
      return msg("metric ", name, " exceeded ", threshold);
  }
  for (const auto& [name, threshold] : min_metric_value) {
    auto it = s.metric_min.find(name);
    if (it != s.metric_min.end() && it->second < threshold)
      return msg("metric ", name, " went below ", threshold);
  }
  return {};
}

Json StoppingCriterion::to_json() const {
  Json j = Json::object();
  if (max_wallclock_time) j["max_wallclock_time"] = *max_wallclock_time;
  if (max_num_evaluations) j["max_num_evaluations"] = *max_num_evaluations;
  if (max_num_trials_started) j["max_num_trials_started"] = *max_num_trials_started;
  if (max_num_trials_completed) j["max_num_trials_completed"] = *max_num_trials_completed;
  if (max_num_trials_finished) j["max_num_trials_finished"] = *max_num_trials_finished;
  if (max_cost) j["max_cost"] = *max_cost;
  if (!max_metric_value.empty()) j["max_metric_value"] = max_metric_value;
  if (!min_metric_value.empty()) j["min_metric_value"] = min_metric_value;
  return j;
}

StoppingCriterion StoppingCriterion::from_json(const Json& j) {
  StoppingCriterion c;
  if (j.contains("max_wallclock_time")) c.max_wallclock_time = j["max_wallclock_time"].get<double>();
  if (j.contains("max_num_evaluations")) c.max_num_evaluations = j["max_num_evaluations"].get<std::int64_t>();
  if (j.contains("max_num_trials_started")) c.max_num_trials_started = j["max_num_trials_started"].get<std::int64_t>();
  if (j.contains("max_num_trials_completed")) c.max_num_trials_completed = j["max_num_trials_completed"].get<std::int64_t>();
  if (j.contains("max_num_trials_finished")) c.max_num_trials_finished = j["max_num_trials_finished"].get<std::int64_t>();
  if (j.contains("max_cost")) c.max_cost = j["max_cost"].get<double>();
  if (j.contains("max_metric_value")) c.max_metric_value = j["max_metric_value"].get<std::map<std::string, double>>();
  if (j.contains("min_metric_value")) c.min_metric_value = j["min_metric_value"].get<std::map<std::string, double>>();
  return c;
}

}  // namespace synetune
