#include "synetune/searchers/bayesopt_searcher.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>

#include "bayesopt_model.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

std::string to_string(InitialScoring s) {
  return s == InitialScoring::kThompsonIndep ? "thompson_indep" : "acq_func";
}

InitialScoring parse_initial_scoring(const std::string& s) {
  if (s == "thompson_indep") return InitialScoring::kThompsonIndep;
  if (s == "acq_func") return InitialScoring::kAcquisition;
  throw InvalidArgument("initial_scoring must be 'thompson_indep' or 'acq_func', got '" + s + "'");
}

void BayesOptOptions::validate() const {
  OptionErrors errors;
  errors.check(num_init_random >= 0, "num_init_random must be >= 0");
  errors.check(num_init_candidates >= 1, "num_init_candidates must be >= 1");
  errors.check(num_local_starts >= 1, "num_local_starts must be >= 1");
  errors.check(num_incumbent_starts >= 0, "num_incumbent_starts must be >= 0");
  errors.check(opt_maxiter >= 1, "opt_maxiter must be >= 1");
  errors.check(opt_nstarts >= 1, "opt_nstarts must be >= 1");
  errors.check(acq_opt_maxiter >= 1, "acq_opt_maxiter must be >= 1");
  errors.check(ei_jitter >= 0, "ei_jitter must be >= 0");
  errors.check(num_fantasy_samples >= 1, "num_fantasy_samples must be >= 1");
  errors.check(max_size_data_for_model >= 2, "max_size_data_for_model must be >= 2");
  errors.check(max_size_top_fraction >= 0 && max_size_top_fraction <= 1,
        "max_size_top_fraction must be in [0, 1]");
  errors.check(exponent_cost > 0, "exponent_cost must be > 0");
  errors.throw_if_any("BayesOptOptions");
}

BayesOptOptions BayesOptOptions::from_json(const Json& j) {
  BayesOptOptions o;
  if (!j.is_object()) throw InvalidArgument("bayesopt options must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    try {
      if (k == "num_init_random") o.num_init_random = v.get<int>();
      else if (k == "num_init_candidates") o.num_init_candidates = v.get<int>();
      else if (k == "initial_scoring") o.initial_scoring = parse_initial_scoring(v.get<std::string>());
      else if (k == "skip_local_optimization") o.skip_local_optimization = v.get<bool>();
      else if (k == "num_local_starts") o.num_local_starts = v.get<int>();
      else if (k == "num_incumbent_starts") o.num_incumbent_starts = v.get<int>();
      else if (k == "opt_maxiter") o.opt_maxiter = v.get<int>();
      else if (k == "opt_nstarts") o.opt_nstarts = v.get<int>();
      else if (k == "opt_warmstart") o.opt_warmstart = v.get<bool>();
      else if (k == "acq_opt_maxiter") o.acq_opt_maxiter = v.get<int>();
      else if (k == "ei_jitter") o.ei_jitter = v.get<double>();
      else if (k == "num_fantasy_samples") o.num_fantasy_samples = v.get<int>();
      else if (k == "no_fantasizing") o.no_fantasizing = v.get<bool>();
      else if (k == "allow_duplicates") o.allow_duplicates = v.get<bool>();
      else if (k == "normalize_targets") o.normalize_targets = v.get<bool>();
      else if (k == "target_transform") o.target_transform = parse_target_transform(v.get<std::string>());
      else if (k == "max_size_data_for_model") o.max_size_data_for_model = v.get<int>();
      else if (k == "max_size_top_fraction") o.max_size_top_fraction = v.get<double>();
      else if (k == "constraint_attr") o.constraint_attr = v.get<std::string>();
      else if (k == "cost_attr") o.cost_attr = v.get<std::string>();
      else if (k == "exponent_cost") o.exponent_cost = v.get<double>();
      else
        throw InvalidArgument("unknown bayesopt option '" + k +
                              "' (known: num_init_random, num_init_candidates, initial_scoring, "
                              "skip_local_optimization, num_local_starts, num_incumbent_starts, opt_maxiter, opt_nstarts, opt_warmstart, ei_jitter, acq_opt_maxiter, "
                              "num_fantasy_samples, no_fantasizing, allow_duplicates, "
                              "normalize_targets, target_transform, max_size_data_for_model, max_size_top_fraction, "
                              "constraint_attr, cost_attr, exponent_cost)");
    } catch (const Json::exception&) {
      throw InvalidArgument("bayesopt option '" + k + "' has the wrong type: " + v.dump());
    }
  }
  o.validate();
  return o;
}

Json BayesOptOptions::to_json() const {
  return Json{{"num_init_random", num_init_random},
              {"num_init_candidates", num_init_candidates},
              {"initial_scoring", to_string(initial_scoring)},
              {"skip_local_optimization", skip_local_optimization},
              {"num_local_starts", num_local_starts},
              {"num_incumbent_starts", num_incumbent_starts},
              {"opt_maxiter", opt_maxiter},
              {"opt_nstarts", opt_nstarts},
              {"opt_warmstart", opt_warmstart},
              {"ei_jitter", ei_jitter},
              {"acq_opt_maxiter", acq_opt_maxiter},
              {"num_fantasy_samples", num_fantasy_samples},
              {"no_fantasizing", no_fantasizing},
              {"allow_duplicates", allow_duplicates},
              {"normalize_targets", normalize_targets},
              {"target_transform", to_string(target_transform)},
              {"max_size_data_for_model", max_size_data_for_model},
              {"max_size_top_fraction", max_size_top_fraction},
              {"constraint_attr", constraint_attr},
              {"cost_attr", cost_attr},
              {"exponent_cost", exponent_cost}};
}

// ---------------------------------------------------------------------------------------------

BayesianOptimizationSearcher::BayesianOptimizationSearcher(ConfigSpace space, ProblemSpec problem,
                                                           Rng rng, BayesOptOptions options)
    : space_(std::move(space)),
      encoder_(space_),
      problem_(std::move(problem)),
      rng_(std::move(rng)),
      options_(std::move(options)) {
  options_.validate();
  if (problem_.metric.empty())
    throw InvalidArgument("BayesianOptimizationSearcher: ProblemSpec.metric must be set");
  if (encoder_.dimension() == 0)
    throw InvalidArgument("BayesianOptimizationSearcher: the config space has no tunable "
                          "hyperparameter; add one or use a constant-only runner");
  initial_ = impute_points_to_evaluate(space_, options_.points_to_evaluate);
  // A private cast copy: the given list is shared (e.g. with a blackbox).
  const auto& restrict = restrict_;
  restrict_.reserve(options_.restrict_configurations.size());
  for (const auto& c : options_.restrict_configurations) restrict_.push_back(space_.postprocess(c));
  if (!restrict.empty()) {
    ExclusionList allowed;
    for (const auto& c : restrict) allowed.add(space_.match_string(c));
    std::erase_if(initial_, [&](const Config& c) { return !allowed.contains(space_.match_string(c)); });
    remaining_.resize(restrict.size());
    std::iota(remaining_.begin(), remaining_.end(), std::size_t{0});
  }
  num_initial_points_ = initial_.size();
}

std::string BayesianOptimizationSearcher::name() const {
  if (!options_.constraint_attr.empty()) return "bayesopt_constrained";
  if (!options_.cost_attr.empty()) return "bayesopt_cost";
  return "bayesopt";
}

std::size_t BayesianOptimizationSearcher::num_observations() const {
  return static_cast<std::size_t>(std::count_if(trials_.begin(), trials_.end(), [](const TrialData& t) {
    return t.status == Status::kObserved;
  }));
}

bool BayesianOptimizationSearcher::is_duplicate(const Config& c) const {
  return !options_.allow_duplicates && excluded_.contains(space_.match_string(c));
}

Config BayesianOptimizationSearcher::accept(Config c) {
  const std::string key = space_.match_string(c);
  excluded_.add(key);
  if (!remaining_.empty() && !options_.allow_duplicates)
    std::erase_if(remaining_, [&](std::size_t i) {
      return space_.match_string(restrict_[i]) == key;
    });
  ++num_suggested_;
  return c;
}

std::optional<Config> BayesianOptimizationSearcher::suggest(TrialId trial_id) {
  (void)trial_id;
  while (!initial_.empty()) {
    Config c = std::move(initial_.front());
    initial_.erase(initial_.begin());
    if (!is_duplicate(c)) return accept(std::move(c));
  }
  const std::size_t seen = std::max(num_suggested_, trials_.size());
  if (num_observations() == 0 ||
      seen < num_initial_points_ + static_cast<std::size_t>(options_.num_init_random))
    return suggest_random();
  return suggest_model_based();
}

std::optional<Config> BayesianOptimizationSearcher::suggest_random() {
  const auto& restrict = restrict_;
  if (!restrict.empty()) {
    if (options_.allow_duplicates) return accept(restrict[rng_.index(restrict.size())]);
    if (remaining_.empty()) return std::nullopt;
    return accept(restrict[remaining_[rng_.index(remaining_.size())]]);
  }
  for (int attempt = 0; attempt < RandomSearcher::kMaxRetries; ++attempt) {
    Config c = space_.postprocess(space_.sample(rng_));
    if (!is_duplicate(c)) return accept(std::move(c));
  }
  return std::nullopt;
}

std::optional<Config> BayesianOptimizationSearcher::suggest_model_based() {
  // Observed data, subsampled above max_size_data_for_model (best fraction kept).
  std::vector<const TrialData*> obs, pending;
  for (const auto& t : trials_) {
    if (t.status == Status::kObserved) obs.push_back(&t);
    if (t.status == Status::kPending) pending.push_back(&t);
  }
  const auto max_size = static_cast<std::size_t>(options_.max_size_data_for_model);
  if (obs.size() > max_size) {
    std::stable_sort(obs.begin(), obs.end(), [](const TrialData* a, const TrialData* b) { return a->y < b->y; });
    const auto top = static_cast<std::size_t>(options_.max_size_top_fraction * static_cast<double>(max_size));
    std::vector<const TrialData*> rest(obs.begin() + static_cast<std::ptrdiff_t>(top), obs.end());
    rng_.shuffle(rest);
    obs.resize(top);
    obs.insert(obs.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(max_size - top));
  }
  const auto d = static_cast<Eigen::Index>(encoder_.dimension());
  auto encode = [&](const Config& c) {
    const std::vector<double> v = encoder_.encode(c);
    return Eigen::Map<const Eigen::VectorXd>(v.data(), d).eval();
  };
  detail::BOData data;
  const auto n = static_cast<Eigen::Index>(obs.size());
  data.X.resize(n, d);
  data.y.resize(n);
  if (!options_.constraint_attr.empty()) data.constraint.resize(n);
  if (!options_.cost_attr.empty()) data.cost.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const TrialData& t = *obs[static_cast<std::size_t>(i)];
    data.X.row(i) = encode(t.config).transpose();
    data.y(i) = t.y;
    if (data.constraint.size()) data.constraint(i) = t.constraint;
    if (data.cost.size()) data.cost(i) = t.cost;
  }
  data.X_pending.resize(static_cast<Eigen::Index>(pending.size()), d);
  for (std::size_t i = 0; i < pending.size(); ++i)
    data.X_pending.row(static_cast<Eigen::Index>(i)) = encode(pending[i]->config).transpose();

  data.warm_start = last_hp_;
  const detail::BOModel model(data, options_, rng_);
  last_hp_ = model.objective_hyperparameters();

  // Candidates: remaining restricted configs (sampled if many) or random configs.
  std::vector<Config> cands;
  const auto num_cands = static_cast<std::size_t>(options_.num_init_candidates);
  const auto& restrict = restrict_;
  const bool restricted = !restrict.empty();
  if (restricted) {
    std::vector<std::size_t> pool = remaining_;
    if (options_.allow_duplicates) {
      pool.resize(restrict.size());
      std::iota(pool.begin(), pool.end(), std::size_t{0});
    }
    if (pool.empty()) return std::nullopt;
    if (pool.size() > num_cands) {
      rng_.shuffle(pool);
      pool.resize(num_cands);
    }
    for (std::size_t i : pool) cands.push_back(restrict[i]);
  } else {
    for (std::size_t i = 0; i < num_cands * 4 && cands.size() < num_cands; ++i) {
      Config c = space_.postprocess(space_.sample(rng_));
      if (!is_duplicate(c)) cands.push_back(std::move(c));
    }
    if (cands.empty()) return std::nullopt;
  }
  Eigen::MatrixXd Xc(static_cast<Eigen::Index>(cands.size()), d);
  for (std::size_t i = 0; i < cands.size(); ++i) Xc.row(static_cast<Eigen::Index>(i)) = encode(cands[i]).transpose();
  // Lower score is better.
  const Eigen::VectorXd score = options_.initial_scoring == InitialScoring::kThompsonIndep
                                    ? model.thompson(Xc, rng_)
                                    : Eigen::VectorXd(-model.acquisition(Xc));
  std::vector<std::size_t> order(cands.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score(static_cast<Eigen::Index>(a)) < score(static_cast<Eigen::Index>(b)); });

  if (!restricted && !options_.skip_local_optimization) {
    // Local starts: the best candidates, plus the best observed inputs (EI's maxima near the
    // incumbent are what refines the optimum late in the run).
    std::vector<Eigen::VectorXd> starts;
    const auto num_cand_starts = std::min<std::size_t>(order.size(), static_cast<std::size_t>(options_.num_local_starts));
    for (std::size_t i = 0; i < num_cand_starts; ++i) starts.push_back(Xc.row(static_cast<Eigen::Index>(order[i])).transpose());
    std::vector<Eigen::Index> best_obs(static_cast<std::size_t>(n));
    std::iota(best_obs.begin(), best_obs.end(), Eigen::Index{0});
    const auto num_obs_starts = std::min<std::size_t>(best_obs.size(), static_cast<std::size_t>(options_.num_incumbent_starts));
    std::partial_sort(best_obs.begin(), best_obs.begin() + static_cast<std::ptrdiff_t>(num_obs_starts), best_obs.end(),
                      [&](Eigen::Index a, Eigen::Index b) { return data.y(a) < data.y(b); });
    for (std::size_t i = 0; i < num_obs_starts; ++i) starts.push_back(data.X.row(best_obs[i]).transpose());
    std::vector<std::pair<double, Config>> local;
    for (const auto& x0 : starts) {
      const Eigen::VectorXd xo = model.optimize(x0, options_.acq_opt_maxiter);
      Config c = space_.postprocess(encoder_.decode(std::vector<double>(xo.data(), xo.data() + d)));
      // Score the decoded point: rounding may move it.
      if (!is_duplicate(c)) local.emplace_back(-model.acquisition(encode(c), nullptr), std::move(c));
    }
    std::stable_sort(local.begin(), local.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (!local.empty()) return accept(std::move(local.front().second));
  }
  for (std::size_t i : order)
    if (!is_duplicate(cands[i])) return accept(cands[i]);
  return std::nullopt;
}

BayesianOptimizationSearcher::TrialData& BayesianOptimizationSearcher::find_or_add(TrialId trial_id,
                                                                                    const Config& config) {
  for (auto& t : trials_)
    if (t.trial_id == trial_id) return t;
  TrialData t;
  t.trial_id = trial_id;
  t.config = space_.postprocess(config);
  excluded_.add(space_.match_string(t.config));
  trials_.push_back(std::move(t));
  return trials_.back();
}

void BayesianOptimizationSearcher::on_trial_add(TrialId trial_id, const Config& config) {
  find_or_add(trial_id, config);
}

void BayesianOptimizationSearcher::on_trial_complete(TrialId trial_id, const Config& config,
                                                     const Result& result) {
  TrialData& t = find_or_add(trial_id, config);
  const double value = result.get(problem_.metric);
  t.y = problem_.sign() * value;
  t.constraint = options_.constraint_attr.empty() ? 0.0 : result.get(options_.constraint_attr);
  t.cost = options_.cost_attr.empty() ? 1.0 : result.get(options_.cost_attr);
  if (!std::isfinite(t.y)) {
    // NaN / inf (or missing metric) cannot be modelled: keep the config excluded, no data.
    std::cerr << "[synetune] warning: bayesopt ignores trial " << trial_id << ": metric '"
              << problem_.metric << "' is " << value << "\n";
    t.status = Status::kFailed;
    return;
  }
  t.status = Status::kObserved;
}

void BayesianOptimizationSearcher::on_trial_error(TrialId trial_id) {
  for (auto& t : trials_)
    if (t.trial_id == trial_id && t.status == Status::kPending) t.status = Status::kFailed;
}

namespace {
Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }
double from_number_or_null(const Json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}
}  // namespace

Json BayesianOptimizationSearcher::save_state() const {
  Json trials = Json::array();
  for (const auto& t : trials_)
    trials.push_back({{"trial_id", t.trial_id},
                      {"config", t.config},
                      {"status", static_cast<int>(t.status)},
                      {"y", number_or_null(t.y)},
                      {"constraint", number_or_null(t.constraint)},
                      {"cost", number_or_null(t.cost)}});
  return Json{{"searcher", name()},
              {"rng", rng_.save_state()},
              {"initial", initial_},
              {"num_initial_points", num_initial_points_},
              {"num_suggested", num_suggested_},
              {"trials", trials},
              {"remaining", remaining_},
              {"excluded", excluded_.save_state()},
              {"hyperparameters", last_hp_ ? last_hp_->to_json() : Json(nullptr)}};
}

void BayesianOptimizationSearcher::load_state(const Json& state) {
  try {
    if (state.at("searcher").get<std::string>() != name())
      throw InvalidArgument("state was saved by searcher '" + state.at("searcher").get<std::string>() +
                            "', not '" + name() + "'");
    rng_.load_state(state.at("rng"));
    initial_ = state.at("initial").get<std::vector<Config>>();
    num_initial_points_ = state.at("num_initial_points").get<std::size_t>();
    num_suggested_ = state.at("num_suggested").get<std::size_t>();
    trials_.clear();
    for (const auto& j : state.at("trials")) {
      TrialData t;
      t.trial_id = j.at("trial_id").get<TrialId>();
      t.config = j.at("config");
      t.status = static_cast<Status>(j.at("status").get<int>());
      t.y = from_number_or_null(j.at("y"));
      t.constraint = from_number_or_null(j.at("constraint"));
      t.cost = from_number_or_null(j.at("cost"));
      trials_.push_back(std::move(t));
    }
    remaining_ = state.at("remaining").get<std::vector<std::size_t>>();
    excluded_.load_state(state.at("excluded"));
    const Json& hp = state.at("hyperparameters");
    last_hp_ = hp.is_null() ? std::nullopt : std::optional<GPHyperparameters>(GPHyperparameters::from_json(hp));
  } catch (const Json::exception& e) {
    throw InvalidArgument(std::string("bayesopt load_state: malformed state: ") + e.what());
  }
}

ConstrainedBayesianOptimizationSearcher::ConstrainedBayesianOptimizationSearcher(
    ConfigSpace space, ProblemSpec problem, Rng rng, BayesOptOptions options)
    : BayesianOptimizationSearcher(std::move(space), std::move(problem), std::move(rng),
                                   [&] {
                                     if (options.constraint_attr.empty())
                                       throw InvalidArgument(
                                           "bayesopt_constrained needs constraint_attr (the "
                                           "result key whose value must be <= 0)");
                                     return std::move(options);
                                   }()) {}

CostAwareBayesianOptimizationSearcher::CostAwareBayesianOptimizationSearcher(
    ConfigSpace space, ProblemSpec problem, Rng rng, BayesOptOptions options)
    : BayesianOptimizationSearcher(std::move(space), std::move(problem), std::move(rng),
                                   [&] {
                                     if (options.cost_attr.empty())
                                       throw InvalidArgument(
                                           "bayesopt_cost needs cost_attr (the result key with "
                                           "the evaluation cost, e.g. elapsed_time)");
                                     return std::move(options);
                                   }()) {}

}  // namespace synetune
