#pragma once
/// Typed factories for every tuning method: the one way to build a configured scheduler (Syne
/// Tune's `baselines.py`). Each takes the config space, the ProblemSpec (given once, shared by
/// scheduler and searcher), the method's Options (a plain struct with in-class defaults and
/// `validate()`) and a master seed, from which the searcher's and the scheduler's random
/// streams are derived (`derive_seed(seed, "searcher")`, `derive_seed(seed, "scheduler")`), so
/// the same arguments give the same decisions. The string registry (`make_scheduler` in
/// registry.hpp) only turns JSON options into these Options and calls the factories below.
///
/// Example:
///   ProblemSpec problem{.metric = "val_loss", .mode = Mode::kMin, .max_t = 81};
///   auto asha = make_asha(space, problem, {.grace_period = 1, .reduction_factor = 3}, seed);
///
/// Every factory throws InvalidArgument naming the bad option (Options::validate, a missing
/// `problem.max_t` where the method needs one, or a space the method cannot search).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/problem_spec.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/searchers/bayesopt_searcher.hpp"
#include "synetune/searchers/config_list.hpp"
#include "synetune/searchers/multi_fidelity_gp_searcher.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

/// Random search (FIFO): uniform draws, no duplicates, the midpoint first.
struct RandomSearchOptions {
  /// Configs tried first, in order; partial ones are completed with midpoint values.
  /// nullopt = Syne Tune's default: the midpoint config first. An empty list: none.
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  /// Allow the same config (compared on its tunable values) to be suggested again.
  bool allow_duplicates = false;
  /// If non-empty, only these configs are suggested (the rows of a tabulated benchmark).
  ConfigList restrict_configurations = {};
  void validate() const {}  ///< every value is valid
};

/// Grid search (FIFO): the cartesian grid, visited in a seeded random order.
struct GridSearchOptions {
  /// Configs tried first (partial ones completed with midpoint values); nullopt = none.
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  /// Grid points per numeric hyperparameter (name -> count >= 1); default 5 for floats and
  /// min(5, range size) for integers. Categorical and finite ranges use all their values.
  std::map<std::string, std::int64_t> num_samples = {};
  /// Visit the grid in a seeded random order (Syne Tune's shuffle_config).
  bool shuffle = true;
  /// Cycle through the grid again once it is finished.
  bool allow_duplicates = false;
  void validate() const;  ///< num_samples counts >= 1
};

/// Asynchronous successive halving and asynchronous Hyperband (Li et al. 2020, "A System for
/// Massively Parallel Hyperparameter Tuning"; Syne Tune 0.13's HyperbandScheduler). Rung levels
/// are r_k = grace_period * reduction_factor^k < problem.max_t (required).
struct AshaOptions {
  /// kStopping: a trial below its rung's cutoff is stopped. kPromotion: trials pause at each
  /// rung and the best are resumed (needs checkpointing to avoid retraining).
  HyperbandType type = HyperbandType::kStopping;
  /// Smallest rung level r_min >= 1 (ignored when rung_levels is given).
  std::int64_t grace_period = 1;
  /// eta >= 2: rung levels grow by this factor and the top 1/eta of a rung continue.
  double reduction_factor = 3.0;
  /// Explicit rung levels (increasing, < max_t); empty = geometric from grace_period.
  std::vector<std::int64_t> rung_levels = {};
  /// Number of brackets, in [1, #rungs + 1]; bracket s skips the s lowest rungs. nullopt =
  /// the method's default: 1 for ASHA and MOBSTER, one per rung for Hyperband, min(4,
  /// #rungs + 1) for Hyper-Tune.
  std::optional<int> brackets = std::nullopt;
  /// How a new trial's bracket is chosen when there are several.
  BracketRule bracket_rule = BracketRule::kSampled;
  /// Initial configs and restriction of the searcher (see RandomSearchOptions).
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  ConfigList restrict_configurations = {};
  void validate() const;  ///< the ranges above (brackets vs #rungs is checked at construction)
};

/// Synchronous geometric Hyperband (Li et al. 2018; Syne Tune 0.13's
/// SynchronousGeometricHyperbandScheduler); one bracket = synchronous successive halving.
/// r_max is problem.max_t (required).
struct SyncHyperbandOptions {
  std::int64_t grace_period = 1;   ///< r_min >= 1
  double reduction_factor = 3.0;   ///< eta >= 2
  /// Number of bracket offsets cycled through; nullopt = all (s_max + 1); 1 = successive halving.
  std::optional<int> brackets = std::nullopt;
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;  ///< as RandomSearchOptions
  ConfigList restrict_configurations = {};                              ///< as RandomSearchOptions
  void validate() const;
};

/// Median stopping rule (Golovin et al. 2017) around FIFO random search: a trial whose value
/// ranks in the worse half at its resource level is stopped.
struct MedianStoppingOptions {
  double grace_time = 1.0;             ///< no stopping at resource < grace_time
  std::int64_t grace_population = 5;   ///< no stopping with fewer values at the level (>= 0)
  double rank_cutoff = 0.5;            ///< stop iff normalized rank > rank_cutoff, in [0, 1]
  bool running_average = true;         ///< compare running means of each trial's values
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;  ///< as RandomSearchOptions
  ConfigList restrict_configurations = {};                              ///< as RandomSearchOptions
  void validate() const;
};

/// Population based training (Jaderberg et al. 2017; Syne Tune 0.13). Trials train up to
/// problem.max_t (default 100) in `resource_attr` units; needs checkpointing.
struct PopulationBasedTrainingOptions {
  /// Recorded in the metadata; as in Syne Tune the population is the trials running.
  std::int64_t population_size = 4;
  double perturbation_interval = 60.0;  ///< resource between two exploit/explore steps (> 0)
  double quantile_fraction = 0.25;      ///< top / bottom fraction, in [0, 0.5]
  double resample_probability = 0.25;   ///< explore by resampling instead of perturbing, [0, 1]
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;  ///< as RandomSearchOptions
  ConfigList restrict_configurations = {};                              ///< as RandomSearchOptions
  void validate() const;
};

/// MOBSTER and Hyper-Tune: asynchronous Hyperband with a GP over (config, resource).
struct MobsterOptions {
  /// Rungs, type and brackets. Its points_to_evaluate and restrict_configurations are the
  /// searcher's.
  AshaOptions hyperband = {};
  /// The GP searcher's options. Leave its points_to_evaluate and restrict_configurations unset
  /// (they come from `hyperband`); `hypertune` is set by the factory.
  MultiFidelityGPOptions gp = {};
  void validate() const;
};

/// Random search (Bergstra and Bengio 2012) with a FIFO scheduler.
std::unique_ptr<Scheduler> make_random_search(const ConfigSpace& space, const ProblemSpec& problem,
                                              RandomSearchOptions options = {}, std::uint64_t seed = 0);
/// Grid search with a FIFO scheduler.
std::unique_ptr<Scheduler> make_grid_search(const ConfigSpace& space, const ProblemSpec& problem,
                                            GridSearchOptions options = {}, std::uint64_t seed = 0);
/// GP Bayesian optimization with expected improvement (Syne Tune's GPFIFOSearcher), FIFO.
std::unique_ptr<Scheduler> make_bayesopt(const ConfigSpace& space, const ProblemSpec& problem,
                                         BayesOptOptions options = {}, std::uint64_t seed = 0);
/// Constrained BO (Gardner et al. 2014): EI x P(constraint <= 0); requires
/// options.constraint_attr, the reported key of the constraint value.
std::unique_ptr<Scheduler> make_constrained_bayesopt(const ConfigSpace& space, const ProblemSpec& problem,
                                                     BayesOptOptions options, std::uint64_t seed = 0);
/// ASHA: asynchronous successive halving, one bracket unless options.brackets says otherwise.
std::unique_ptr<Scheduler> make_asha(const ConfigSpace& space, const ProblemSpec& problem,
                                     AshaOptions options = {}, std::uint64_t seed = 0);
/// Asynchronous Hyperband: ASHA with one bracket per rung unless options.brackets is set.
std::unique_ptr<Scheduler> make_hyperband(const ConfigSpace& space, const ProblemSpec& problem,
                                          AshaOptions options = {}, std::uint64_t seed = 0);
/// Synchronous geometric Hyperband (all brackets unless options.brackets is set).
std::unique_ptr<Scheduler> make_sync_hyperband(const ConfigSpace& space, const ProblemSpec& problem,
                                               SyncHyperbandOptions options = {}, std::uint64_t seed = 0);
/// Median stopping rule wrapping FIFO random search.
std::unique_ptr<Scheduler> make_median_stopping_rule(const ConfigSpace& space, const ProblemSpec& problem,
                                                     MedianStoppingOptions options = {}, std::uint64_t seed = 0);
/// Population based training with random initial configs.
std::unique_ptr<Scheduler> make_pbt(const ConfigSpace& space, const ProblemSpec& problem,
                                    PopulationBasedTrainingOptions options = {}, std::uint64_t seed = 0);
/// MOBSTER (Klein et al. 2020): asynchronous Hyperband (1 bracket by default) whose new
/// configs come from a multi-fidelity GP (EI at the "bohb" resource level).
std::unique_ptr<Scheduler> make_mobster(const ConfigSpace& space, const ProblemSpec& problem,
                                        MobsterOptions options = {}, std::uint64_t seed = 0);
/// Hyper-Tune (Li et al. 2022): MOBSTER with a rank-weighted ensemble over rung levels and
/// min(4, #rungs + 1) brackets by default.
std::unique_ptr<Scheduler> make_hypertune(const ConfigSpace& space, const ProblemSpec& problem,
                                          MobsterOptions options = {}, std::uint64_t seed = 0);

}  // namespace synetune
