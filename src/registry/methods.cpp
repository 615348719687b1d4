// The typed method factories (methods.hpp): each builds its searcher and scheduler from the
// Options, deriving both random streams from the one master seed.
#include "synetune/methods.hpp"

#include <algorithm>
#include <utility>

#include "synetune/core/error.hpp"
#include "synetune/core/rng.hpp"
#include "synetune/schedulers/fifo_scheduler.hpp"
#include "synetune/schedulers/median_stopping_rule.hpp"
#include "synetune/schedulers/population_based_training.hpp"
#include "synetune/schedulers/synchronous_hyperband.hpp"
#include "synetune/searchers/grid_searcher.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune {
namespace {

std::uint64_t searcher_seed(std::uint64_t seed) { return derive_seed(seed, "searcher"); }
std::uint64_t scheduler_seed(std::uint64_t seed) { return derive_seed(seed, "scheduler"); }

// The random searcher every multi-fidelity method without a model starts its trials from.
std::unique_ptr<Searcher> random_searcher(const ConfigSpace& space,
                                          std::optional<std::vector<Config>> points,
                                          ConfigList restrict, std::uint64_t seed) {
  RandomSearcherOptions o;
  o.points_to_evaluate = std::move(points);
  o.restrict_configurations = std::move(restrict);
  return std::make_unique<RandomSearcher>(space, Rng(searcher_seed(seed)), std::move(o));
}

HyperbandOptions hyperband_options(const AshaOptions& o, int brackets, std::uint64_t seed) {
  HyperbandOptions h;
  h.type = o.type;
  h.grace_period = o.grace_period;
  h.reduction_factor = o.reduction_factor;
  h.rung_levels = o.rung_levels;
  h.brackets = brackets;
  h.bracket_rule = o.bracket_rule;
  h.seed = scheduler_seed(seed);
  return h;
}

SynchronousHyperbandOptions sync_options(const SyncHyperbandOptions& o) {
  SynchronousHyperbandOptions h;
  h.grace_period = o.grace_period;
  h.reduction_factor = o.reduction_factor;
  h.brackets = o.brackets;
  return h;
}

MedianStoppingRuleOptions median_options(const MedianStoppingOptions& o) {
  MedianStoppingRuleOptions m;
  m.grace_time = o.grace_time;
  m.grace_population = o.grace_population;
  m.rank_cutoff = o.rank_cutoff;
  m.running_average = o.running_average;
  return m;
}

PbtOptions pbt_options(const PopulationBasedTrainingOptions& o, std::uint64_t seed) {
  PbtOptions p;
  p.population_size = o.population_size;
  p.perturbation_interval = o.perturbation_interval;
  p.quantile_fraction = o.quantile_fraction;
  p.resample_probability = o.resample_probability;
  p.seed = scheduler_seed(seed);
  return p;
}

// Number of rung levels the Hyperband scheduler will use (computed by the scheduler).
std::size_t num_rungs(const ProblemSpec& problem, const AshaOptions& o) {
  return HyperbandScheduler::rung_levels_for(problem, hyperband_options(o, 1, 0)).size();
}

// MOBSTER / Hyper-Tune: HyperbandScheduler + MultiFidelityGPSearcher; errors name the method.
std::unique_ptr<Scheduler> make_model_based(const char* method, const ConfigSpace& space,
                                            const ProblemSpec& problem, MobsterOptions o,
                                            std::uint64_t seed, bool hypertune) {
  problem.require_max_t(method);
  try {
    o.validate();
    int brackets = o.hyperband.brackets.value_or(1);
    // Syne Tune's Hyper-Tune defaults to 4 brackets (at most #rungs + 1 exist).
    if (hypertune && !o.hyperband.brackets)
      brackets = static_cast<int>(std::min<std::size_t>(4, num_rungs(problem, o.hyperband) + 1));
    MultiFidelityGPOptions gp = std::move(o.gp);
    gp.hypertune = hypertune;
    gp.points_to_evaluate = o.hyperband.points_to_evaluate;
    gp.restrict_configurations = o.hyperband.restrict_configurations;
    auto searcher = std::make_unique<MultiFidelityGPSearcher>(space, problem, Rng(searcher_seed(seed)), std::move(gp));
    return std::make_unique<HyperbandScheduler>(problem, hyperband_options(o.hyperband, brackets, seed),
                                                std::move(searcher));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(method) + ": " + e.what());
  }
}

}  // namespace

void GridSearchOptions::validate() const {
  for (const auto& [name, n] : num_samples)
    if (n < 1) throw InvalidArgument("num_samples['" + name + "'] must be >= 1, got " + std::to_string(n));
}

void AshaOptions::validate() const {
  if (brackets && *brackets < 1)
    throw InvalidArgument("option 'brackets' must be >= 1, got " + std::to_string(*brackets));
  hyperband_options(*this, brackets.value_or(1), 0).validate();
}

void SyncHyperbandOptions::validate() const { sync_options(*this).validate(); }
void MedianStoppingOptions::validate() const { median_options(*this).validate(); }
void PopulationBasedTrainingOptions::validate() const { pbt_options(*this, 0).validate(); }

void MobsterOptions::validate() const {
  hyperband.validate();
  if (gp.points_to_evaluate || !gp.restrict_configurations.empty())
    throw InvalidArgument("give points_to_evaluate and restrict_configurations in MobsterOptions::hyperband, not gp");
  gp.validate();
}

std::unique_ptr<Scheduler> make_random_search(const ConfigSpace& space, const ProblemSpec& problem,
                                              RandomSearchOptions options, std::uint64_t seed) {
  options.validate();
  RandomSearcherOptions o;
  o.points_to_evaluate = std::move(options.points_to_evaluate);
  o.allow_duplicates = options.allow_duplicates;
  o.restrict_configurations = std::move(options.restrict_configurations);
  return std::make_unique<FifoScheduler>(
      problem, std::make_unique<RandomSearcher>(space, Rng(searcher_seed(seed)), std::move(o)));
}

std::unique_ptr<Scheduler> make_grid_search(const ConfigSpace& space, const ProblemSpec& problem,
                                            GridSearchOptions options, std::uint64_t seed) {
  options.validate();
  GridSearcherOptions o;
  o.points_to_evaluate = std::move(options.points_to_evaluate);
  o.num_samples = std::move(options.num_samples);
  o.shuffle = options.shuffle;
  o.allow_duplicates = options.allow_duplicates;
  return std::make_unique<FifoScheduler>(
      problem, std::make_unique<GridSearcher>(space, Rng(searcher_seed(seed)), std::move(o)));
}

std::unique_ptr<Scheduler> make_bayesopt(const ConfigSpace& space, const ProblemSpec& problem,
                                         BayesOptOptions options, std::uint64_t seed) {
  return std::make_unique<FifoScheduler>(
      problem, std::make_unique<BayesianOptimizationSearcher>(space, problem, Rng(searcher_seed(seed)),
                                                              std::move(options)));
}

std::unique_ptr<Scheduler> make_constrained_bayesopt(const ConfigSpace& space, const ProblemSpec& problem,
                                                     BayesOptOptions options, std::uint64_t seed) {
  return std::make_unique<FifoScheduler>(
      problem, std::make_unique<ConstrainedBayesianOptimizationSearcher>(
                   space, problem, Rng(searcher_seed(seed)), std::move(options)));
}

std::unique_ptr<Scheduler> make_asha(const ConfigSpace& space, const ProblemSpec& problem,
                                     AshaOptions options, std::uint64_t seed) {
  options.validate();
  const HyperbandOptions h = hyperband_options(options, options.brackets.value_or(1), seed);
  return std::make_unique<HyperbandScheduler>(
      problem, h,
      random_searcher(space, std::move(options.points_to_evaluate), std::move(options.restrict_configurations), seed));
}

std::unique_ptr<Scheduler> make_hyperband(const ConfigSpace& space, const ProblemSpec& problem,
                                          AshaOptions options, std::uint64_t seed) {
  options.validate();
  // All brackets by default: one per rung.
  if (!options.brackets) options.brackets = static_cast<int>(std::max<std::size_t>(1, num_rungs(problem, options)));
  return make_asha(space, problem, std::move(options), seed);
}

std::unique_ptr<Scheduler> make_sync_hyperband(const ConfigSpace& space, const ProblemSpec& problem,
                                               SyncHyperbandOptions options, std::uint64_t seed) {
  options.validate();
  return std::make_unique<SynchronousHyperbandScheduler>(
      problem, sync_options(options),
      random_searcher(space, std::move(options.points_to_evaluate), std::move(options.restrict_configurations), seed));
}

std::unique_ptr<Scheduler> make_median_stopping_rule(const ConfigSpace& space, const ProblemSpec& problem,
                                                     MedianStoppingOptions options, std::uint64_t seed) {
  options.validate();
  auto fifo = std::make_unique<FifoScheduler>(
      problem,
      random_searcher(space, std::move(options.points_to_evaluate), std::move(options.restrict_configurations), seed));
  return std::make_unique<MedianStoppingRule>(std::move(fifo), median_options(options));
}

std::unique_ptr<Scheduler> make_pbt(const ConfigSpace& space, const ProblemSpec& problem,
                                    PopulationBasedTrainingOptions options, std::uint64_t seed) {
  options.validate();
  return std::make_unique<PopulationBasedTraining>(
      space, problem, pbt_options(options, seed),
      random_searcher(space, std::move(options.points_to_evaluate), std::move(options.restrict_configurations), seed));
}

std::unique_ptr<Scheduler> make_mobster(const ConfigSpace& space, const ProblemSpec& problem,
                                        MobsterOptions options, std::uint64_t seed) {
  return make_model_based("MOBSTER", space, problem, std::move(options), seed, false);
}

std::unique_ptr<Scheduler> make_hypertune(const ConfigSpace& space, const ProblemSpec& problem,
                                          MobsterOptions options, std::uint64_t seed) {
  return make_model_based("HyperTune", space, problem, std::move(options), seed, true);
}

}  // namespace synetune
