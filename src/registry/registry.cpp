#include "synetune/registry.hpp"

#include <functional>
#include <map>

#include "synetune/core/error.hpp"
#include "synetune/methods.hpp"
#include "registry/multi_fidelity_methods.hpp"

namespace synetune {
namespace {

using Factory = std::function<std::unique_ptr<Scheduler>(const MethodSpec&)>;
struct Entry {
  std::string name;
  std::string description;
  Factory factory;
};

std::optional<std::vector<Config>> initial_points(const MethodSpec& s) {
  if (s.points_to_evaluate.empty()) return std::nullopt;  // the searcher's default
  return s.points_to_evaluate;
}

// GP-BO (FIFO): options are BayesOptOptions' Syne Tune names (num_init_random, ...).
std::unique_ptr<Scheduler> bayesopt_entry(const MethodSpec& s, bool constrained) {
  BayesOptOptions o = BayesOptOptions::from_json(s.options);
  if (!s.points_to_evaluate.empty()) o.points_to_evaluate = s.points_to_evaluate;
  o.restrict_configurations = s.restrict_configurations;
  return constrained ? make_constrained_bayesopt(s.space, s.problem, std::move(o), s.seed)
                     : make_bayesopt(s.space, s.problem, std::move(o), s.seed);
}

// Each scheduler family adds its entries here (one line per short name).
const std::vector<Entry>& entries() {
  static const std::vector<Entry> kEntries = {
      {"RandomSearch", "random search, no duplicates, midpoint first (FIFO)",
       [](const MethodSpec& s) -> std::unique_ptr<Scheduler> {
         RandomSearchOptions o;
         for (auto it = s.options.begin(); it != s.options.end(); ++it) {
           if (it.key() != "allow_duplicates" || !it->is_boolean())
             throw InvalidArgument("RandomSearch: bad option '" + it.key() +
                                   "' (known: allow_duplicates: true|false)");
           o.allow_duplicates = it->get<bool>();
         }
         o.points_to_evaluate = initial_points(s);
         o.restrict_configurations = s.restrict_configurations;
         return make_random_search(s.space, s.problem, std::move(o), s.seed);
       }},
      {"GridSearch", "shuffled cartesian grid, 5 points per numeric range (FIFO)",
       [](const MethodSpec& s) -> std::unique_ptr<Scheduler> {
         GridSearchOptions o;
         for (auto it = s.options.begin(); it != s.options.end(); ++it) {
           if (it.key() == "allow_duplicates" && it->is_boolean()) {
             o.allow_duplicates = it->get<bool>();
           } else if (it.key() == "num_samples" && it->is_object()) {
             for (auto n = it->begin(); n != it->end(); ++n) {
               if (!n->is_number_integer())
                 throw InvalidArgument("GridSearch: num_samples['" + n.key() +
                                       "'] must be an integer, got " + n->dump());
               o.num_samples[n.key()] = n->get<std::int64_t>();
             }
           } else {
             throw InvalidArgument("GridSearch: bad option '" + it.key() +
                                   "' (known: allow_duplicates: true|false, num_samples: "
                                   "{name: count})");
           }
         }
         o.points_to_evaluate = initial_points(s);
         return make_grid_search(s.space, s.problem, std::move(o), s.seed);
       }},
      {"BayesianOptimization", "GP Bayesian optimization with EI (FIFO)",
       [](const MethodSpec& s) { return bayesopt_entry(s, false); }},
      {"ConstrainedBayesianOptimization",
       "GP-BO with EI x P(constraint <= 0), option constraint_attr (FIFO)",
       [](const MethodSpec& s) { return bayesopt_entry(s, true); }},
      // Multi-fidelity methods (Syne Tune 0.13 baselines); factories in multi_fidelity_methods.cpp.
      {"ASHA", "asynchronous successive halving, type stopping (default) or promotion",
       registry_detail::make_asha},
      {"Hyperband", "asynchronous Hyperband, one bracket per rung", registry_detail::make_hyperband},
      {"SyncHyperband", "synchronous geometric Hyperband, all brackets", registry_detail::make_sync_hyperband},
      {"SyncSH", "synchronous successive halving (one bracket)", registry_detail::make_sync_sh},
      {"MedianStoppingRule", "median stopping rule wrapping FIFO random search",
       registry_detail::make_median_stopping_rule},
      {"PBT", "population based training", registry_detail::make_pbt},
      {"MOBSTER", "asynchronous Hyperband + GP over (config, resource), EI at the bohb resource",
       registry_detail::make_mobster},
      {"HyperTune", "MOBSTER with a rank-weighted ensemble over rung levels, 4 brackets",
       registry_detail::make_hypertune},
  };
  return kEntries;
}

}  // namespace

std::unique_ptr<Scheduler> make_scheduler(const std::string& method, const MethodSpec& spec) {
  for (const auto& e : entries())
    if (e.name == method) return e.factory(spec);
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw InvalidArgument("unknown method '" + method + "'; known methods: " + known);
}

std::vector<std::pair<std::string, std::string>> method_names() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries()) out.emplace_back(e.name, e.description);
  return out;
}

}  // namespace synetune
