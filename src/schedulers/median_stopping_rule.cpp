#include "synetune/schedulers/median_stopping_rule.hpp"

#include <cmath>
#include <string>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

void MedianStoppingRuleOptions::validate() const {
  if (grace_population < 0)
    throw InvalidArgument("option 'grace_population' must be >= 0, got " + std::to_string(grace_population));
  if (!(rank_cutoff >= 0.0 && rank_cutoff <= 1.0))
    throw InvalidArgument("option 'rank_cutoff' must lie in [0, 1], got " + std::to_string(rank_cutoff));
}

Json MedianStoppingRuleOptions::to_json() const {
  return Json{{"grace_time", grace_time}, {"grace_population", grace_population},
              {"rank_cutoff", rank_cutoff}, {"running_average", running_average}};
}

MedianStoppingRule::MedianStoppingRule(std::unique_ptr<Scheduler> scheduler, MedianStoppingRuleOptions options)
    : inner_(std::move(scheduler)), options_(options) {
  if (!inner_) throw InvalidArgument("MedianStoppingRule needs a scheduler to wrap");
  options_.validate();
}

Decision MedianStoppingRule::on_trial_result(const Trial& trial, const Result& result) {
  const auto& p = inner_->problem();
  double value = p.sign() * result.get(p.metric);
  if (std::isnan(value)) value = INFINITY;  // numpy sorts NaN last: rank it worst
  const double time_step = result.get(p.resource_attr);
  // resource_need(): the tuner fails a trial whose result has no such resource.
  SYNETUNE_CHECK(!std::isnan(time_step))
      << "result of trial " << trial.trial_id << " lacks the resource " << p.resource_attr;
  if (options_.running_average) {
    auto& s = trial_sums_[trial.trial_id];
    s.sum += value;
    ++s.n;
    value = s.sum / static_cast<double>(s.n);
  }
  auto& values = sorted_results_[time_step];
  const std::size_t index = values.count_less(value);  // numpy.searchsorted, side="left"
  values.insert(value);
  const double rank = static_cast<double>(index) / static_cast<double>(values.size());
  const bool grace = static_cast<std::int64_t>(values.size()) < options_.grace_population ||
                     time_step < options_.grace_time;
  if (grace || rank <= options_.rank_cutoff) return inner_->on_trial_result(trial, result);
  return Decision::kStop;  // the wrapped scheduler does not see this result (as Syne Tune)
}

Json MedianStoppingRule::metadata() const {
  return Json{{"scheduler_name", "MedianStoppingRule"}, {"options", options_.to_json()},
              {"scheduler", inner_->metadata()}};
}

Json MedianStoppingRule::save_state() const {
  Json levels = Json::array();
  for (const auto& [t, v] : sorted_results_) {
    Json vals = Json::array();
    for (double x : v.sorted_values()) vals.push_back(double_to_json(x));
    levels.push_back(Json::array({t, std::move(vals)}));
  }
  std::map<TrialId, Sum> sums(trial_sums_.begin(), trial_sums_.end());
  Json js = Json::array();
  for (const auto& [id, s] : sums) js.push_back(Json::array({id, double_to_json(s.sum), s.n}));
  return Json{{"sorted_results", std::move(levels)}, {"trial_sums", std::move(js)},
              {"scheduler", inner_->save_state()}};
}

void MedianStoppingRule::load_state(const Json& state) {
  sorted_results_.clear();
  for (const auto& l : state.at("sorted_results")) {
    auto& v = sorted_results_[l.at(0).get<double>()];
    for (const auto& x : l.at(1)) v.insert(double_from_json(x));
  }
  trial_sums_.clear();
  for (const auto& s : state.at("trial_sums"))
    trial_sums_[s.at(0).get<TrialId>()] = Sum{double_from_json(s.at(1)), s.at(2).get<std::int64_t>()};
  inner_->load_state(state.at("scheduler"));
}

}  // namespace synetune
