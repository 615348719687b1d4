#include "registry/multi_fidelity_methods.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "synetune/core/error.hpp"
#include "synetune/methods.hpp"

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

// The option "max_t" overrides the problem's: ProblemSpec::max_t is the one place it is held.
ProblemSpec problem_of(const std::string& method, const MethodSpec& s) {
  ProblemSpec p = s.problem;
  if (s.options.contains("max_t")) p.max_t = integer(method, s.options, "max_t", 0);
  return p;
}

std::optional<std::vector<Config>> initial_points(const MethodSpec& s) {
  if (s.points_to_evaluate.empty()) return std::nullopt;  // the searcher's default
  return s.points_to_evaluate;
}

AshaOptions asha_options(const std::string& method, const MethodSpec& s, const Json& o) {
  AshaOptions h;
  h.grace_period = integer(method, o, "grace_period", 1);
  h.reduction_factor = num(method, o, "reduction_factor", 3.0);
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
  if (o.contains("brackets")) h.brackets = static_cast<int>(integer(method, o, "brackets", 1));
  if (o.contains("bracket_rule")) {
    if (!o.at("bracket_rule").is_string())
      throw InvalidArgument(method + ": option 'bracket_rule' must be \"sampled\" or \"round_robin\"");
    h.bracket_rule = parse_bracket_rule(o.at("bracket_rule").get<std::string>());
  }
  h.points_to_evaluate = initial_points(s);
  h.restrict_configurations = s.restrict_configurations;
  return h;
}

const std::set<std::string> kHyperbandKeys = {"grace_period", "reduction_factor", "max_t", "rung_levels",
                                              "type",         "brackets",         "bracket_rule"};

}  // namespace

std::unique_ptr<Scheduler> make_asha(const MethodSpec& s) {
  check_keys("ASHA", s.options, kHyperbandKeys);
  return synetune::make_asha(s.space, problem_of("ASHA", s), asha_options("ASHA", s, s.options), s.seed);
}

std::unique_ptr<Scheduler> make_hyperband(const MethodSpec& s) {
  check_keys("Hyperband", s.options, kHyperbandKeys);
  return synetune::make_hyperband(s.space, problem_of("Hyperband", s), asha_options("Hyperband", s, s.options), s.seed);
}

namespace {
SyncHyperbandOptions sync_options(const std::string& method, const MethodSpec& s, bool allow_brackets) {
  const auto& o = s.options;
  if (allow_brackets) check_keys(method, o, {"grace_period", "reduction_factor", "max_t", "brackets"});
  else check_keys(method, o, {"grace_period", "reduction_factor", "max_t"});
  SyncHyperbandOptions h;
  h.grace_period = integer(method, o, "grace_period", 1);
  h.reduction_factor = num(method, o, "reduction_factor", 3.0);
  if (o.contains("brackets")) h.brackets = static_cast<int>(integer(method, o, "brackets", 1));
  h.points_to_evaluate = initial_points(s);
  h.restrict_configurations = s.restrict_configurations;
  return h;
}
}  // namespace

std::unique_ptr<Scheduler> make_sync_hyperband(const MethodSpec& s) {
  return synetune::make_sync_hyperband(s.space, problem_of("SyncHyperband", s),
                                       sync_options("SyncHyperband", s, true), s.seed);
}

std::unique_ptr<Scheduler> make_sync_sh(const MethodSpec& s) {
  auto h = sync_options("SyncSH", s, false);
  h.brackets = 1;
  return synetune::make_sync_hyperband(s.space, problem_of("SyncSH", s), std::move(h), s.seed);
}

std::unique_ptr<Scheduler> make_median_stopping_rule(const MethodSpec& s) {
  const std::string m = "MedianStoppingRule";
  check_keys(m, s.options, {"grace_time", "grace_population", "rank_cutoff", "running_average"});
  MedianStoppingOptions o;
  o.grace_time = num(m, s.options, "grace_time", 1.0);
  o.grace_population = integer(m, s.options, "grace_population", 5);
  o.rank_cutoff = num(m, s.options, "rank_cutoff", 0.5);
  if (s.options.contains("running_average")) {
    if (!s.options.at("running_average").is_boolean()) throw InvalidArgument(m + ": option 'running_average' must be true or false");
    o.running_average = s.options.at("running_average").get<bool>();
  }
  o.points_to_evaluate = initial_points(s);
  o.restrict_configurations = s.restrict_configurations;
  return synetune::make_median_stopping_rule(s.space, s.problem, std::move(o), s.seed);
}

std::unique_ptr<Scheduler> make_pbt(const MethodSpec& s) {
  const std::string m = "PBT";
  check_keys(m, s.options, {"population_size", "perturbation_interval", "quantile_fraction", "resample_probability", "max_t"});
  PopulationBasedTrainingOptions o;
  o.population_size = integer(m, s.options, "population_size", 4);
  o.perturbation_interval = num(m, s.options, "perturbation_interval", 60.0);
  o.quantile_fraction = num(m, s.options, "quantile_fraction", 0.25);
  o.resample_probability = num(m, s.options, "resample_probability", 0.25);
  o.points_to_evaluate = initial_points(s);
  o.restrict_configurations = s.restrict_configurations;
  return synetune::make_pbt(s.space, problem_of(m, s), std::move(o), s.seed);
}

namespace {
// MOBSTER / HyperTune: Hyperband options plus the GP searcher's options (Syne Tune names).
MobsterOptions mobster_options(const std::string& method, const MethodSpec& s, bool hypertune) {
  std::set<std::string> hb_keys = kHyperbandKeys;
  hb_keys.erase("bracket_rule");  // the model-based methods keep Syne Tune's sampled brackets
  std::set<std::string> known = hb_keys;
  for (const auto& k : MultiFidelityGPOptions::json_keys())
    if (hypertune || k != "hypertune_distribution_num_samples") known.insert(k);
  check_keys(method, s.options, known);
  Json hb = Json::object();
  for (auto it = s.options.begin(); it != s.options.end(); ++it)
    if (hb_keys.count(it.key())) hb[it.key()] = it.value();
  MobsterOptions o;
  o.hyperband = asha_options(method, s, hb);
  o.gp = MultiFidelityGPOptions::from_json(s.options);
  return o;
}
}  // namespace

std::unique_ptr<Scheduler> make_mobster(const MethodSpec& s) {
  return synetune::make_mobster(s.space, problem_of("MOBSTER", s), mobster_options("MOBSTER", s, false), s.seed);
}
std::unique_ptr<Scheduler> make_hypertune(const MethodSpec& s) {
  return synetune::make_hypertune(s.space, problem_of("HyperTune", s), mobster_options("HyperTune", s, true), s.seed);
}

}  // namespace synetune::registry_detail
