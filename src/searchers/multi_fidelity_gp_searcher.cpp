#include "synetune/searchers/multi_fidelity_gp_searcher.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "multi_fidelity_gp_searcher_model.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

void MultiFidelityGPOptions::validate() const {
  OptionErrors errors;
  errors.check(num_init_random >= 0, "num_init_random must be >= 0");
  errors.check(num_init_candidates >= 1, "num_init_candidates must be >= 1");
  errors.check(max_restricted_candidates >= 1, "max_restricted_candidates must be >= 1");
  errors.check(opt_nstarts >= 1, "opt_nstarts must be >= 1");
  errors.check(opt_maxiter >= 1, "opt_maxiter must be >= 1");
  errors.check(opt_skip_init_length >= 0, "opt_skip_init_length must be >= 0");
  errors.check(opt_skip_period >= 1, "opt_skip_period must be >= 1");
  errors.check(num_fantasy_samples >= 1, "num_fantasy_samples must be >= 1");
  errors.check(max_size_data_for_model >= 2, "max_size_data_for_model must be >= 2");
  errors.check(resource_acq_bohb_threshold >= 1, "resource_acq_bohb_threshold must be >= 1");
  errors.check(hypertune_distribution_num_samples >= 1, "hypertune_distribution_num_samples must be >= 1");
  errors.throw_if_any("multi-fidelity GP searcher");
}

const std::vector<std::string>& MultiFidelityGPOptions::json_keys() {
  static const std::vector<std::string> k = {
      "num_init_random", "num_init_candidates", "max_restricted_candidates", "opt_nstarts",
      "opt_maxiter", "opt_skip_init_length", "opt_skip_period", "opt_warmstart", "num_fantasy_samples", "no_fantasizing", "max_size_data_for_model",
      "resource_acq_bohb_threshold", "hypertune_distribution_num_samples"};
  return k;
}

MultiFidelityGPOptions MultiFidelityGPOptions::from_json(const Json& j) {
  MultiFidelityGPOptions o;
  if (!j.is_object()) throw InvalidArgument("searcher options must be a JSON object, got " + j.dump());
  auto get_int = [&](const char* key, int& out) {
    if (!j.contains(key)) return;
    if (!j.at(key).is_number_integer())
      throw InvalidArgument(std::string("option '") + key + "' must be an integer, got " + j.at(key).dump());
    out = j.at(key).get<int>();
  };
  get_int("num_init_random", o.num_init_random);
  get_int("num_init_candidates", o.num_init_candidates);
  get_int("max_restricted_candidates", o.max_restricted_candidates);
  get_int("opt_nstarts", o.opt_nstarts);
  get_int("opt_maxiter", o.opt_maxiter);
  get_int("opt_skip_init_length", o.opt_skip_init_length);
  get_int("opt_skip_period", o.opt_skip_period);
  get_int("num_fantasy_samples", o.num_fantasy_samples);
  get_int("max_size_data_for_model", o.max_size_data_for_model);
  get_int("resource_acq_bohb_threshold", o.resource_acq_bohb_threshold);
  get_int("hypertune_distribution_num_samples", o.hypertune_distribution_num_samples);
  auto get_bool = [&](const char* key, bool& out) {
    if (!j.contains(key)) return;
    if (!j.at(key).is_boolean())
      throw InvalidArgument(std::string("option '") + key + "' must be true or false, got " + j.at(key).dump());
    out = j.at(key).get<bool>();
  };
  get_bool("no_fantasizing", o.no_fantasizing);
  get_bool("opt_warmstart", o.opt_warmstart);
  return o;
}

MultiFidelityGPSearcher::MultiFidelityGPSearcher(ConfigSpace space, ProblemSpec problem, Rng rng,
                                                 MultiFidelityGPOptions options)
    : space_(std::move(space)),
      encoder_(space_),
      problem_(std::move(problem)),
      max_t_(problem_.require_max_t("multi-fidelity GP searcher")),
      rng_(rng),
      options_(std::move(options)) {
  options_.validate();
  if (problem_.metric.empty()) throw InvalidArgument("multi-fidelity GP searcher: ProblemSpec.metric must be set");
  if (encoder_.dimension() == 0)
    throw InvalidArgument("multi-fidelity GP searcher: the config space has no tunable hyperparameter");
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
}

void MultiFidelityGPSearcher::set_rung_levels(std::vector<std::int64_t> levels) {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i] < 1 || levels[i] >= max_t_ || (i > 0 && levels[i] <= levels[i - 1]))
      throw InvalidArgument("multi-fidelity GP searcher: rung_levels must be increasing, in [1, max_t)");
  rung_levels_ = std::move(levels);
}

double MultiFidelityGPSearcher::normalized_resource(double r) const {
  if (max_t_ <= 1) return 1.0;
  return std::clamp(std::log(std::max(r, 1.0)) / std::log(static_cast<double>(max_t_)), 0.0, 1.0);
}

std::size_t MultiFidelityGPSearcher::num_observations() const {
  std::size_t n = 0;
  for (const auto& t : trials_) n += t.obs.size();
  return n;
}

MultiFidelityGPSearcher::TrialData& MultiFidelityGPSearcher::find_or_add(TrialId trial_id, const Config& config) {
  for (auto& t : trials_)
    if (t.trial_id == trial_id) return t;
  TrialData t;
  t.trial_id = trial_id;
  t.config = config;
  trials_.push_back(std::move(t));
  // Configs started from elsewhere (e.g. resumed experiments) are never suggested again.
  const std::string key = space_.match_string(config);
  if (!excluded_.contains(key)) {
    excluded_.add(key);
    std::erase_if(remaining_, [&](std::size_t i) {
      return space_.match_string(restrict_[i]) == key;
    });
  }
  return trials_.back();
}

void MultiFidelityGPSearcher::on_trial_add(TrialId trial_id, const Config& config) { find_or_add(trial_id, config); }

void MultiFidelityGPSearcher::record(TrialId trial_id, const Config& config, const Result& result) {
  const double r = result.get(problem_.resource_attr);
  const double v = result.get(problem_.metric);
  if (!std::isfinite(r) || !std::isfinite(v) || r < 1) return;
  auto& t = find_or_add(trial_id, config);
  const auto level = static_cast<std::int64_t>(std::llround(r));
  for (auto& o : t.obs)
    if (o.resource == level) {
      o.y = problem_.sign() * v;
      return;
    }
  t.obs.push_back({level, problem_.sign() * v});
}

void MultiFidelityGPSearcher::on_trial_result(TrialId trial_id, const Config& config, const Result& result) {
  record(trial_id, config, result);
}

void MultiFidelityGPSearcher::on_trial_complete(TrialId trial_id, const Config& config, const Result& result) {
  record(trial_id, config, result);
}

void MultiFidelityGPSearcher::on_trial_error(TrialId trial_id) {
  for (auto& t : trials_)
    if (t.trial_id == trial_id) t.failed = true;
}

bool MultiFidelityGPSearcher::is_duplicate(const Config& c) const { return excluded_.contains(space_.match_string(c)); }

Config MultiFidelityGPSearcher::accept(Config c, const char* kind) {
  const std::string key = space_.match_string(c);
  excluded_.add(key);
  if (!remaining_.empty())
    std::erase_if(remaining_, [&](std::size_t i) {
      return space_.match_string(restrict_[i]) == key;
    });
  ++num_suggested_;
  last_kind_ = kind;
  return c;
}

std::optional<Config> MultiFidelityGPSearcher::suggest(TrialId trial_id) {
  (void)trial_id;
  while (!initial_.empty()) {
    Config c = std::move(initial_.front());
    initial_.erase(initial_.begin());
    if (!is_duplicate(c)) return accept(std::move(c), "initial");
  }
  const std::size_t seen = std::max(num_suggested_, trials_.size());
  if (num_observations() == 0 || seen < static_cast<std::size_t>(options_.num_init_random)) return suggest_random();
  return suggest_model_based();
}

std::optional<Config> MultiFidelityGPSearcher::suggest_random() {
  const auto& restrict = restrict_;
  if (!restrict.empty()) {
    if (remaining_.empty()) return std::nullopt;
    return accept(restrict[remaining_[rng_.index(remaining_.size())]], "random");
  }
  for (int attempt = 0; attempt < RandomSearcher::kMaxRetries; ++attempt) {
    Config c = space_.postprocess(space_.sample(rng_));
    if (!is_duplicate(c)) return accept(std::move(c), "random");
  }
  return std::nullopt;
}

std::optional<Config> MultiFidelityGPSearcher::suggest_model_based() {
  const auto d = static_cast<Eigen::Index>(encoder_.dimension());
  auto encode = [&](const Config& c) {
    const std::vector<double> v = encoder_.encode(c);
    return Eigen::Map<const Eigen::VectorXd>(v.data(), d).eval();
  };
  // Rows (trial, observation); above the cap the highest resources are kept (they decide).
  std::vector<std::pair<const TrialData*, const Observation*>> rows;
  std::vector<const TrialData*> configs, pending;
  for (const auto& t : trials_) {
    for (const auto& o : t.obs) rows.emplace_back(&t, &o);
    if (!t.obs.empty()) configs.push_back(&t);
    else if (!t.failed) pending.push_back(&t);
  }
  const auto max_size = static_cast<std::size_t>(options_.max_size_data_for_model);
  if (rows.size() > max_size) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second->resource > b.second->resource; });
    rows.resize(max_size);
  }
  detail::MFData data;
  const auto n = static_cast<Eigen::Index>(rows.size());
  data.X.resize(n, d + 1);
  data.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& [t, o] = rows[static_cast<std::size_t>(i)];
    data.X.row(i).head(d) = encode(t->config).transpose();
    data.X(i, d) = normalized_resource(static_cast<double>(o->resource));
    data.y(i) = o->y;
    data.resource.push_back(o->resource);
    data.trial.push_back(static_cast<std::size_t>(t - trials_.data()));
  }
  const std::int64_t first_level = rung_levels_.empty() ? max_t_ : rung_levels_.front();
  data.X_pending.resize(static_cast<Eigen::Index>(pending.size()), d + 1);
  data.X_configs.resize(static_cast<Eigen::Index>(configs.size() + pending.size()), d);
  for (std::size_t i = 0; i < configs.size(); ++i) data.X_configs.row(static_cast<Eigen::Index>(i)) = encode(configs[i]->config).transpose();
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const Eigen::VectorXd x = encode(pending[i]->config);
    data.X_pending.row(static_cast<Eigen::Index>(i)).head(d) = x.transpose();
    data.X_pending(static_cast<Eigen::Index>(i), d) = normalized_resource(static_cast<double>(first_level));
    data.X_configs.row(static_cast<Eigen::Index>(configs.size() + i)) = x.transpose();
  }

  detail::MFModelOptions mo;
  mo.opt_nstarts = options_.opt_nstarts;
  mo.opt_maxiter = options_.opt_maxiter;
  mo.num_fantasy_samples = options_.num_fantasy_samples;
  mo.no_fantasizing = options_.no_fantasizing;
  mo.bohb_threshold = options_.resource_acq_bohb_threshold;
  // Hyperparameters: refitted (warm-started if opt_warmstart) or, in the skip phase, reused.
  const bool beyond_init = rows.size() > static_cast<std::size_t>(options_.opt_skip_init_length);
  mo.refit = !beyond_init || num_model_suggestions_ % static_cast<std::size_t>(options_.opt_skip_period) == 0;
  if (!mo.refit || options_.opt_warmstart) mo.previous = last_hp_;
  mo.hypertune = options_.hypertune;
  mo.hypertune_num_samples = options_.hypertune_distribution_num_samples;
  mo.levels = rung_levels_;
  mo.levels.push_back(max_t_);
  mo.normalize = [this](std::int64_t r) { return normalized_resource(static_cast<double>(r)); };
  const detail::MFModel model(data, mo, rng_);
  last_theta_ = model.ensemble();
  if (options_.hypertune && !model.supported_level_weights().empty()) {
    const auto& w = model.supported_level_weights();
    bracket_head_.assign(w.size(), 0.0);
    for (std::size_t s = 0; s < w.size(); ++s) bracket_head_[s] = w[s] / static_cast<double>(mo.levels[s]);
  }
  last_hp_ = model.hyperparameters();
  ++num_model_suggestions_;
  last_r_acq_ = last_theta_.size() == 1 ? last_theta_.front().first : 0;

  // Candidates: restricted configs not yet suggested, or random configs.
  std::vector<Config> cands;
  const auto& restrict = restrict_;
  if (!restrict.empty()) {
    std::vector<std::size_t> pool = remaining_;
    if (pool.empty()) return std::nullopt;
    const auto cap = static_cast<std::size_t>(options_.max_restricted_candidates);
    if (pool.size() > cap) {
      rng_.shuffle(pool);
      pool.resize(cap);
    }
    for (std::size_t i : pool) cands.push_back(restrict[i]);
  } else {
    const auto num = static_cast<std::size_t>(options_.num_init_candidates);
    for (std::size_t i = 0; i < num * 4 && cands.size() < num; ++i) {
      Config c = space_.postprocess(space_.sample(rng_));
      if (!is_duplicate(c)) cands.push_back(std::move(c));
    }
    if (cands.empty()) return std::nullopt;
  }
  Eigen::MatrixXd Xc(static_cast<Eigen::Index>(cands.size()), d);
  for (std::size_t i = 0; i < cands.size(); ++i) Xc.row(static_cast<Eigen::Index>(i)) = encode(cands[i]).transpose();
  const Eigen::VectorXd acq = model.acquisition(Xc);
  Eigen::Index best = 0;
  acq.maxCoeff(&best);
  Config chosen = cands[static_cast<std::size_t>(best)];
  double chosen_acq = acq(best);

  if (restrict.empty()) {
    // Stochastic local search around the best candidate: batches of Gaussian perturbations
    // in the encoded box, decoded (snapped) and kept if better and new.
    Eigen::VectorXd x = Xc.row(best).transpose();
    double sd = 0.1;
    constexpr int kRounds = 6, kBatch = 32;
    for (int round = 0; round < kRounds; ++round, sd *= 0.5) {
      std::vector<Config> local;
      for (int b = 0; b < kBatch; ++b) {
        std::vector<double> z(static_cast<std::size_t>(d));
        for (Eigen::Index k = 0; k < d; ++k) z[static_cast<std::size_t>(k)] = std::clamp(x(k) + sd * rng_.normal(), 0.0, 1.0);
        Config c = space_.postprocess(encoder_.decode(z));
        if (!is_duplicate(c)) local.push_back(std::move(c));
      }
      if (local.empty()) continue;
      Eigen::MatrixXd Xl(static_cast<Eigen::Index>(local.size()), d);
      for (std::size_t i = 0; i < local.size(); ++i) Xl.row(static_cast<Eigen::Index>(i)) = encode(local[i]).transpose();
      const Eigen::VectorXd al = model.acquisition(Xl);
      Eigen::Index bl = 0;
      if (al.maxCoeff(&bl) > chosen_acq) {
        chosen_acq = al(bl);
        chosen = local[static_cast<std::size_t>(bl)];
        x = Xl.row(bl).transpose();
      }
    }
  }
  return accept(std::move(chosen), "model");
}

Json MultiFidelityGPSearcher::save_state() const {
  Json trials = Json::array();
  for (const auto& t : trials_) {
    Json obs = Json::array();
    for (const auto& o : t.obs) obs.push_back(Json::array({o.resource, o.y}));
    trials.push_back(Json{{"trial_id", t.trial_id}, {"config", t.config}, {"failed", t.failed}, {"obs", std::move(obs)}});
  }
  return Json{{"rng", rng_.save_state()},
              {"initial", initial_},
              {"trials", std::move(trials)},
              {"remaining", remaining_},
              {"excluded", excluded_.save_state()},
              {"num_suggested", num_suggested_},
              {"num_model_suggestions", num_model_suggestions_},
              {"last_hp", last_hp_ ? last_hp_->to_json() : Json(nullptr)},
              {"bracket_head", bracket_head_}};
}

void MultiFidelityGPSearcher::load_state(const Json& state) {
  rng_.load_state(state.at("rng"));
  initial_ = state.at("initial").get<std::vector<Config>>();
  trials_.clear();
  for (const auto& j : state.at("trials")) {
    TrialData t;
    t.trial_id = j.at("trial_id").get<TrialId>();
    t.config = j.at("config");
    t.failed = j.at("failed").get<bool>();
    for (const auto& o : j.at("obs")) t.obs.push_back({o.at(0).get<std::int64_t>(), o.at(1).get<double>()});
    trials_.push_back(std::move(t));
  }
  remaining_ = state.at("remaining").get<std::vector<std::size_t>>();
  excluded_.load_state(state.at("excluded"));
  num_suggested_ = state.at("num_suggested").get<std::size_t>();
  num_model_suggestions_ = state.at("num_model_suggestions").get<std::size_t>();
  bracket_head_ = state.value("bracket_head", std::vector<double>{});
  last_hp_.reset();
  if (!state.at("last_hp").is_null()) last_hp_ = GPHyperparameters::from_json(state.at("last_hp"));
}

}  // namespace synetune
