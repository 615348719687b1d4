#include "registry/multi_fidelity_methods.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "synetune/core/error.hpp"
#include "synetune/schedulers/fifo_scheduler.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/schedulers/median_stopping_rule.hpp"
#include "synetune/schedulers/population_based_training.hpp"
#include "synetune/schedulers/synchronous_hyperband.hpp"
#include "synetune/searchers/multi_fidelity_gp_searcher.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune::registry_detail {
namespace {

void check_keys(const std::string& method, const Json& options, const std::set<std::string>& known) {
  if (!options.is_object()) throw InvalidArgument(method + ": options must be a JSON object, got " + options.dump());
  for (auto it = options.begin(); it != options.end(); ++it) {
    if (known.count(it.key())) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw InvalidArgument(method + ": unknown option '" + it.key() + "' (known: " + list + ")");
  }
}

double num(const std::string& method, const Json& o, const char* key, double def) {
  if (!o.contains(key)) return def;
  if (!o.at(key).is_number()) throw InvalidArgument(method + ": option '" + key + "' must be a number, got " + o.at(key).dump());
  return o.at(key).get<double>();
}

std::int64_t integer(const std::string& method, const Json& o, const char* key, std::int64_t def) {
  if (!o.contains(key)) return def;
  const auto& v = o.at(key);
  if (!v.is_number() || v.get<double>() != static_cast<double>(static_cast<std::int64_t>(v.get<double>())))
    throw InvalidArgument(method + ": option '" + key + "' must be an integer, got " + v.dump());
  return static_cast<std::int64_t>(v.get<double>());
}

std::unique_ptr<Searcher> random_searcher(const MethodSpec& s) {
  RandomSearcherOptions o;
  if (!s.points_to_evaluate.empty()) o.points_to_evaluate = s.points_to_evaluate;
  o.restrict_configurations = s.restrict_configurations;
  return std::make_unique<RandomSearcher>(s.space, Rng(derive_seed(s.seed, "searcher")), std::move(o));
}

HyperbandOptions hyperband_options(const std::string& method, const MethodSpec& s) {
  const auto& o = s.options;
  check_keys(method, o, {"grace_period", "reduction_factor", "max_t", "rung_levels", "type", "brackets", "bracket_rule"});
  HyperbandOptions h;
  h.grace_period = integer(method, o, "grace_period", 1);
  h.reduction_factor = num(method, o, "reduction_factor", 3.0);
  if (o.contains("max_t")) h.max_t = integer(method, o, "max_t", 0);
  if (o.contains("rung_levels")) {
    if (!o.at("rung_levels").is_array())
      throw InvalidArgument(method + ": option 'rung_levels' must be a list of integers");
    for (const auto& r : o.at("rung_levels")) {
      if (!r.is_number_integer()) throw InvalidArgument(method + ": option 'rung_levels' must be a list of integers, got " + r.dump());
      h.rung_levels.push_back(r.get<std::int64_t>());
    }
  }
  if (o.contains("type")) {
    if (!o.at("type").is_string()) throw InvalidArgument(method + ": option 'type' must be \"stopping\" or \"promotion\"");
    h.type = parse_hyperband_type(o.at("type").get<std::string>());
  }
  h.brackets = static_cast<int>(integer(method, o, "brackets", 1));
  if (o.contains("bracket_rule")) {
    if (!o.at("bracket_rule").is_string())
      throw InvalidArgument(method + ": option 'bracket_rule' must be \"sampled\" or \"round_robin\"");
    h.bracket_rule = parse_bracket_rule(o.at("bracket_rule").get<std::string>());
  }
  h.seed = derive_seed(s.seed, "scheduler");
  return h;
}

}  // namespace

std::unique_ptr<Scheduler> make_asha(const MethodSpec& s) {
  return std::make_unique<HyperbandScheduler>(s.problem, hyperband_options("ASHA", s), random_searcher(s));
}

std::unique_ptr<Scheduler> make_hyperband(const MethodSpec& s) {
  auto h = hyperband_options("Hyperband", s);
  if (!s.options.contains("brackets")) {  // all brackets: one per rung
    const std::int64_t max_t = h.max_t ? *h.max_t : s.problem.max_t ? static_cast<std::int64_t>(*s.problem.max_t) : 0;
    if (max_t < 1) throw InvalidArgument("Hyperband needs max_t: pass option 'max_t' or set the problem's max_t");
    h.brackets = static_cast<int>(std::max<std::size_t>(1, make_rung_levels(h.grace_period, h.reduction_factor, max_t, h.rung_levels).size()));
  }
  return std::make_unique<HyperbandScheduler>(s.problem, h, random_searcher(s));
}

namespace {
SynchronousHyperbandOptions sync_options(const std::string& method, const MethodSpec& s, bool allow_brackets) {
  const auto& o = s.options;
  if (allow_brackets) check_keys(method, o, {"grace_period", "reduction_factor", "max_t", "brackets"});
  else check_keys(method, o, {"grace_period", "reduction_factor", "max_t"});
  SynchronousHyperbandOptions h;
  h.grace_period = integer(method, o, "grace_period", 1);
  h.reduction_factor = num(method, o, "reduction_factor", 3.0);
  if (o.contains("max_t")) h.max_t = integer(method, o, "max_t", 0);
  if (o.contains("brackets")) h.brackets = static_cast<int>(integer(method, o, "brackets", 1));
  return h;
}
}  // namespace

std::unique_ptr<Scheduler> make_sync_hyperband(const MethodSpec& s) {
  return std::make_unique<SynchronousHyperbandScheduler>(s.problem, sync_options("SyncHyperband", s, true),
                                                         random_searcher(s));
}

std::unique_ptr<Scheduler> make_sync_sh(const MethodSpec& s) {
  auto h = sync_options("SyncSH", s, false);
  h.brackets = 1;
  return std::make_unique<SynchronousHyperbandScheduler>(s.problem, h, random_searcher(s));
}

std::unique_ptr<Scheduler> make_median_stopping_rule(const MethodSpec& s) {
  const std::string m = "MedianStoppingRule";
  check_keys(m, s.options, {"grace_time", "grace_population", "rank_cutoff", "running_average"});
  MedianStoppingRuleOptions o;
  o.grace_time = num(m, s.options, "grace_time", 1.0);
  o.grace_population = integer(m, s.options, "grace_population", 5);
  o.rank_cutoff = num(m, s.options, "rank_cutoff", 0.5);
  if (s.options.contains("running_average")) {
    if (!s.options.at("running_average").is_boolean()) throw InvalidArgument(m + ": option 'running_average' must be true or false");
    o.running_average = s.options.at("running_average").get<bool>();
  }
  return std::make_unique<MedianStoppingRule>(std::make_unique<FifoScheduler>(s.problem, random_searcher(s)), o);
}

std::unique_ptr<Scheduler> make_pbt(const MethodSpec& s) {
  const std::string m = "PBT";
  check_keys(m, s.options, {"population_size", "perturbation_interval", "quantile_fraction", "resample_probability", "max_t"});
  PbtOptions o;
  o.population_size = integer(m, s.options, "population_size", 4);
  o.perturbation_interval = num(m, s.options, "perturbation_interval", 60.0);
  o.quantile_fraction = num(m, s.options, "quantile_fraction", 0.25);
  o.resample_probability = num(m, s.options, "resample_probability", 0.25);
  if (s.options.contains("max_t")) o.max_t = num(m, s.options, "max_t", 100.0);
  o.seed = derive_seed(s.seed, "scheduler");
  return std::make_unique<PopulationBasedTraining>(s.space, s.problem, o, random_searcher(s));
}

namespace {
// MOBSTER / HyperTune: Hyperband options plus the GP searcher's options (Syne Tune names).
std::unique_ptr<Scheduler> make_model_based_hyperband(const std::string& method, const MethodSpec& s,
                                                      bool hypertune) {
  std::set<std::string> hb_keys = {"grace_period", "reduction_factor", "max_t", "rung_levels", "type", "brackets"};
  std::set<std::string> known = hb_keys;
  for (const auto& k : MultiFidelityGPOptions::json_keys())
    if (hypertune || k != "hypertune_distribution_num_samples") known.insert(k);
  check_keys(method, s.options, known);
  MethodSpec hb = s;
  hb.options = Json::object();
  for (auto it = s.options.begin(); it != s.options.end(); ++it)
    if (hb_keys.count(it.key())) hb.options[it.key()] = it.value();
  HyperbandOptions h = hyperband_options(method, hb);
  const std::int64_t max_t = h.max_t ? *h.max_t : s.problem.max_t ? static_cast<std::int64_t>(*s.problem.max_t) : 0;
  if (max_t < 1) throw InvalidArgument(method + " needs max_t: pass option 'max_t' or set the problem's max_t");
  const auto levels = make_rung_levels(h.grace_period, h.reduction_factor, max_t, h.rung_levels);
  // Syne Tune's HyperTune defaults to 4 brackets (at most #rungs + 1 exist).
  if (hypertune && !s.options.contains("brackets")) h.brackets = static_cast<int>(std::min<std::size_t>(4, levels.size() + 1));
  MultiFidelityGPOptions o = MultiFidelityGPOptions::from_json(s.options);
  o.max_t = max_t;
  o.rung_levels = levels;
  o.hypertune = hypertune;
  if (!s.points_to_evaluate.empty()) o.points_to_evaluate = s.points_to_evaluate;
  o.restrict_configurations = s.restrict_configurations;
  try {
    auto searcher = std::make_unique<MultiFidelityGPSearcher>(s.space, s.problem, Rng(derive_seed(s.seed, "searcher")), std::move(o));
    return std::make_unique<HyperbandScheduler>(s.problem, h, std::move(searcher));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(method + ": " + e.what());
  }
}
}  // namespace

std::unique_ptr<Scheduler> make_mobster(const MethodSpec& s) { return make_model_based_hyperband("MOBSTER", s, false); }
std::unique_ptr<Scheduler> make_hypertune(const MethodSpec& s) { return make_model_based_hyperband("HyperTune", s, true); }

}  // namespace synetune::registry_detail
