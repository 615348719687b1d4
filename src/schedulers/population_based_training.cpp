#include "synetune/schedulers/population_based_training.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

void PbtOptions::validate() const {
  if (population_size < 1)
    throw InvalidArgument("option 'population_size' must be >= 1, got " + std::to_string(population_size));
  if (!(perturbation_interval > 0))
    throw InvalidArgument("option 'perturbation_interval' must be > 0, got " + std::to_string(perturbation_interval));
  if (!(quantile_fraction >= 0.0 && quantile_fraction <= 0.5))
    throw InvalidArgument("option 'quantile_fraction' must lie in [0, 0.5], got " + std::to_string(quantile_fraction));
  if (!(resample_probability >= 0.0 && resample_probability <= 1.0))
    throw InvalidArgument("option 'resample_probability' must lie in [0, 1], got " +
                          std::to_string(resample_probability));
}

Json PbtOptions::to_json() const {
  return Json{{"population_size", population_size}, {"perturbation_interval", perturbation_interval},
              {"quantile_fraction", quantile_fraction}, {"resample_probability", resample_probability},
              {"seed", seed}};
}

PopulationBasedTraining::PopulationBasedTraining(ConfigSpace space, ProblemSpec problem, PbtOptions options,
                                                 std::unique_ptr<Searcher> searcher)
    : space_(std::move(space)),
      problem_(std::move(problem)),
      options_(options),
      searcher_(std::move(searcher)),
      rng_(options.seed) {
  options_.validate();
  if (!searcher_) throw InvalidArgument("PopulationBasedTraining needs a searcher");
  problem_.validate();
  // Syne Tune 0.13's PBT default max_t = 100 when the problem does not give one.
  max_t_ = problem_.max_t ? static_cast<double>(*problem_.max_t) : 100.0;
}

std::optional<TrialSuggestion> PopulationBasedTraining::suggest(TrialId next_trial_id) {
  if (!queue_.empty()) {  // exploit: start the last scheduled clone (LIFO, as 0.13)
    auto [donor, config] = std::move(queue_.back());
    queue_.pop_back();
    return StartTrial{std::move(config), donor};
  }
  auto config = searcher_->suggest(next_trial_id);
  if (!config) return std::nullopt;
  return StartTrial{std::move(*config), std::nullopt};
}

void PopulationBasedTraining::on_trial_add(const Trial& trial) {
  TrialState st;
  st.config = trial.config;
  st.order = next_order_++;
  trials_[trial.trial_id] = std::move(st);
  searcher_->on_trial_add(trial.trial_id, trial.config);
}

std::pair<std::vector<TrialId>, std::vector<TrialId>> PopulationBasedTraining::quantiles() const {
  std::vector<std::pair<const TrialState*, TrialId>> ranked;
  for (const auto& [id, st] : trials_)
    if (!st.stopped && st.last_score) ranked.emplace_back(&st, id);
  // Python: stable sort of the dict's keys (insertion order) by raw score.
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (*a.first->last_score != *b.first->last_score) return *a.first->last_score < *b.first->last_score;
    return a.first->order < b.first->order;
  });
  if (ranked.size() <= 1) return {};
  const double n = static_cast<double>(ranked.size());
  auto k = static_cast<std::size_t>(std::ceil(n * options_.quantile_fraction));
  if (static_cast<double>(k) > n / 2) k = static_cast<std::size_t>(std::floor(n / 2));
  std::vector<TrialId> low, high;  // low = first k (smallest scores), high = last k
  for (std::size_t i = 0; i < k; ++i) low.push_back(ranked[i].second);
  for (std::size_t i = ranked.size() - k; i < ranked.size(); ++i) high.push_back(ranked[i].second);
  if (problem_.mode == Mode::kMin) return {high, low};
  return {low, high};
}

Decision PopulationBasedTraining::on_trial_result(const Trial& trial, const Result& result) {
  auto it = trials_.find(trial.trial_id);
  if (it == trials_.end()) {
    on_trial_add(trial);
    it = trials_.find(trial.trial_id);
  }
  auto& st = it->second;
  if (st.stopped) return Decision::kStop;
  const double t = result.get(problem_.resource_attr);
  // resource_need(): the tuner fails a trial whose result lacks the metric or the resource.
  SYNETUNE_CHECK(!std::isnan(t) && result.has(problem_.metric))
      << "result of trial " << trial.trial_id << " lacks " << problem_.resource_attr << " or " << problem_.metric;
  double score = result.get(problem_.metric);
  // A score reported as NaN ranks worst, as in the other schedulers (numpy sorts NaN last);
  // left NaN it would break the ordering of the quantiles.
  if (std::isnan(score)) score = problem_.sign() * std::numeric_limits<double>::infinity();
  const double time = std::trunc(t);  // 0.13: int(result[resource_attr])
  if (time >= max_t_) {
    st.stopped = true;
    return Decision::kStop;
  }
  if (time - st.last_perturbation_time < options_.perturbation_interval) return Decision::kContinue;
  st.last_score = score;
  st.last_perturbation_time = time;
  searcher_->on_trial_result(trial.trial_id, st.config, result);
  const auto [bottom, top] = quantiles();
  if (std::find(bottom.begin(), bottom.end(), trial.trial_id) == bottom.end()) return Decision::kContinue;
  // Exploit: clone a uniformly drawn top trial, explore its config; this trial stops.
  const TrialId donor = top[rng_.index(top.size())];
  Config explored = explore(trials_.at(donor).config);
  st.stopped = true;
  queue_.emplace_back(donor, std::move(explored));
  return Decision::kStop;
}

Config PopulationBasedTraining::explore(const Config& config) {
  Config out = config;
  for (const auto& hp : space_.hyperparameters()) {
    if (hp.is_constant()) continue;
    const bool categorical = std::holds_alternative<CategoricalDomain>(hp.domain) ||
                             std::holds_alternative<OrdinalDomain>(hp.domain);  // Ordinal <: Categorical in ST
    const auto cur = config.find(hp.name);
    const bool numeric = cur != config.end() && cur->is_number();
    if (categorical || !numeric || rng_.uniform() < options_.resample_probability) {
      ConfigSpace one;
      one.add(hp.name, hp.domain);
      out[hp.name] = one.sample(rng_)[hp.name];
      continue;
    }
    const double mult = rng_.uniform() > 0.5 ? 1.2 : 0.8;
    double v = cur->get<double>() * mult;
    std::visit([&](const auto& d) {
      using D = std::decay_t<decltype(d)>;
      if constexpr (std::is_same_v<D, FloatDomain> || std::is_same_v<D, FiniteRangeDomain>) {
        v = std::clamp(v, d.lower, d.upper);
      } else if constexpr (std::is_same_v<D, IntDomain>) {
        v = std::clamp(v, static_cast<double>(d.lower), static_cast<double>(d.upper));
      }
    }, hp.domain);
    out[hp.name] = v;
  }
  return space_.postprocess(out);  // cast: ints rounded, finite ranges snapped
}

void PopulationBasedTraining::on_trial_complete(const Trial& trial, const Result& last_result) {
  const auto it = trials_.find(trial.trial_id);
  if (it != trials_.end()) it->second.stopped = true;
  searcher_->on_trial_complete(trial.trial_id, it != trials_.end() ? it->second.config : trial.config, last_result);
}

void PopulationBasedTraining::on_trial_error(const Trial& trial) {
  const auto it = trials_.find(trial.trial_id);
  if (it != trials_.end()) it->second.stopped = true;
  searcher_->on_trial_error(trial.trial_id);
}

SchedulerRequirements PopulationBasedTraining::requirements() const {
  // Only warm starts: a bottom trial is stopped (never paused) and replaced by a new trial
  // that starts from a top trial's checkpoint.
  return {.pause_resume = false, .warm_start = true, .method = "PopulationBasedTraining (PBT)"};
}

Json PopulationBasedTraining::metadata() const {
  Json options = options_.to_json();
  options["max_t"] = max_t_;  // resolved from the ProblemSpec, recorded with the options
  return Json{{"scheduler_name", "PopulationBasedTraining"}, {"options", std::move(options)},
              {"searcher", searcher_->name()}, {"metric", problem_.metric},
              {"mode", to_string(problem_.mode)}, {"resource_attr", problem_.resource_attr}};
}

Json PopulationBasedTraining::save_state() const {
  Json trials = Json::array();
  for (const auto& [id, st] : trials_)
    trials.push_back(Json{{"trial_id", id}, {"config", st.config},
                          {"last_score", st.last_score ? Json(*st.last_score) : Json(nullptr)},
                          {"last_perturbation_time", st.last_perturbation_time},
                          {"stopped", st.stopped}, {"order", st.order}});
  Json queue = Json::array();
  for (const auto& [donor, c] : queue_) queue.push_back(Json::array({donor, c}));
  return Json{{"trials", std::move(trials)}, {"queue", std::move(queue)}, {"next_order", next_order_},
              {"rng", rng_.save_state()}, {"searcher", searcher_->save_state()}};
}

void PopulationBasedTraining::load_state(const Json& state) {
  trials_.clear();
  for (const auto& t : state.at("trials")) {
    TrialState st;
    st.config = t.at("config");
    if (!t.at("last_score").is_null()) st.last_score = t.at("last_score").get<double>();
    st.last_perturbation_time = t.at("last_perturbation_time").get<double>();
    st.stopped = t.at("stopped").get<bool>();
    st.order = t.at("order").get<std::uint64_t>();
    trials_[t.at("trial_id").get<TrialId>()] = std::move(st);
  }
  queue_.clear();
  for (const auto& q : state.at("queue")) queue_.emplace_back(q.at(0).get<TrialId>(), q.at(1));
  next_order_ = state.at("next_order").get<std::uint64_t>();
  rng_.load_state(state.at("rng"));
  searcher_->load_state(state.at("searcher"));
}

}  // namespace synetune
