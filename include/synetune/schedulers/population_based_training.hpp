#pragma once
/// Population Based Training, Syne Tune 0.13 `PopulationBasedTraining` (reference 5.6 PBT).
/// 0.13 defaults resource_attr = "time_total_s"; here the resource comes from ProblemSpec (0.15
/// makes `time_attr` required, same idea). max_t is ProblemSpec::max_t, else 100.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

struct PbtOptions {
  /// Stored for metadata; as in Syne Tune it is not enforced (population = trials running).
  std::int64_t population_size = 4;
  double perturbation_interval = 60.0;  ///< resource between two exploit/explore checks
  double quantile_fraction = 0.25;      ///< top / bottom fraction, in [0, 0.5]
  double resample_probability = 0.25;   ///< explore: resample instead of perturbing
  std::uint64_t seed = 0;
  void validate() const;
  Json to_json() const;
};

class PopulationBasedTraining : public Scheduler {
 public:
  PopulationBasedTraining(ConfigSpace space, ProblemSpec problem, PbtOptions options,
                          std::unique_ptr<Searcher> searcher);

  std::optional<TrialSuggestion> suggest(TrialId next_trial_id) override;
  void on_trial_add(const Trial& trial) override;
  Decision on_trial_result(const Trial& trial, const Result& result) override;
  void on_trial_complete(const Trial& trial, const Result& last_result) override;
  void on_trial_error(const Trial& trial) override;

  /// Warm start: the exploit step starts a new trial from a top trial's checkpoint.
  SchedulerRequirements requirements() const override;
  const ProblemSpec& problem() const override { return problem_; }
  /// Every result is a time step (truncated, as Syne Tune's int()): a number.
  ResourceNeed resource_need() const override { return ResourceNeed::kNumber; }
  Json metadata() const override;
  Json save_state() const override;
  void load_state(const Json& state) override;

  /// Explore step (exposed for tests): resample or perturb each tunable value of `config`.
  Config explore(const Config& config);

 private:
  struct TrialState {
    Config config;
    std::optional<double> last_score;  ///< raw metric value at the last perturbation check
    double last_perturbation_time = 0.0;
    bool stopped = false;
    std::uint64_t order = 0;  ///< add order: ties sort as Python's stable sort over a dict
  };
  /// (bottom, top) trial ids, as 0.13's _quantiles.
  std::pair<std::vector<TrialId>, std::vector<TrialId>> quantiles() const;

  ConfigSpace space_;
  ProblemSpec problem_;
  PbtOptions options_;
  std::unique_ptr<Searcher> searcher_;
  double max_t_ = 100.0;
  Rng rng_;
  std::map<TrialId, TrialState> trials_;
  std::uint64_t next_order_ = 0;
  std::vector<std::pair<TrialId, Config>> queue_;  ///< (donor, explored config), LIFO
};

}  // namespace synetune
