#pragma once
/// Synchronous geometric Hyperband, Syne Tune 0.13 `SynchronousGeometricHyperbandScheduler`
/// (reference 5.4, "Synchronous Hyperband"; removed in 0.14). Successive halving = 1 bracket.
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "synetune/schedulers/scheduler.hpp"

namespace synetune {

struct SynchronousHyperbandOptions {
  std::int64_t grace_period = 1;  ///< r_min, smallest rung level
  double reduction_factor = 3.0;  ///< eta >= 2
  /// Number of bracket offsets cycled through; nullopt = all (s_max + 1); 1 = successive halving.
  std::optional<int> brackets;

  void validate() const;
  Json to_json() const;
};

/// (rung size, level) for each rung of each bracket offset b: s_max = min k with
/// r_min * eta^k >= r_max; bracket b has s_max - b + 1 rungs, level round(r_min eta^(j+b)) and
/// size ceil((s_max+1)/(s_max-b+1) * eta^(s_max-b-j)), the last one at r_max.
std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> geometric_bracket_rungs(
    std::int64_t r_min, std::int64_t r_max, double eta, std::optional<int> num_brackets);

class SynchronousHyperbandScheduler : public Scheduler {
 public:
  /// r_max (Syne Tune's max_resource_level) is `problem.max_t`, required.
  SynchronousHyperbandScheduler(ProblemSpec problem, SynchronousHyperbandOptions options,
                                std::unique_ptr<Searcher> searcher);

  std::optional<TrialSuggestion> suggest(TrialId next_trial_id) override;
  void on_trial_add(const Trial& trial) override;
  Decision on_trial_result(const Trial& trial, const Result& result) override;
  void on_trial_complete(const Trial& trial, const Result& last_result) override;
  void on_trial_error(const Trial& trial) override;

  /// Pause and resume: every trial waits at its rung until the rung is full.
  SchedulerRequirements requirements() const override;
  const ProblemSpec& problem() const override { return problem_; }
  /// Every result is placed at a rung: its resource must be a positive integer.
  ResourceNeed resource_need() const override { return ResourceNeed::kPositiveInteger; }
  Json metadata() const override;
  Json save_state() const override;
  void load_state(const Json& state) override;

  const std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>>& bracket_rungs() const {
    return bracket_rungs_;
  }

 private:
  struct Slot {
    TrialId trial_id = -1;  ///< -1: not assigned yet (new trial)
    double value = 0.0;     ///< sign-adjusted; NaN = failed
    bool occupied = false;
  };
  struct Bracket {
    int offset = 0;
    std::size_t current_rung = 0;
    std::size_t first_free = 0;
    std::vector<Slot> slots;  ///< slots of the current rung
    bool complete(std::size_t num_rungs) const { return current_rung >= num_rungs; }
  };
  struct Pending {
    std::size_t bracket_id = 0;
    std::size_t rung = 0;
    std::size_t slot = 0;
    std::int64_t level = 0;
  };
  const std::vector<std::pair<std::int64_t, std::int64_t>>& rungs_of(const Bracket& b) const {
    return bracket_rungs_[static_cast<std::size_t>(b.offset)];
  }
  std::size_t create_bracket();
  std::pair<std::size_t, std::size_t> next_job();  ///< (bracket id, slot index)
  void on_slot_result(const Pending& p, TrialId trial_id, double value);

  ProblemSpec problem_;
  SynchronousHyperbandOptions options_;
  std::unique_ptr<Searcher> searcher_;
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> bracket_rungs_;
  std::int64_t max_t_ = 0;
  std::vector<Bracket> brackets_;  ///< all brackets ever created (completed ones kept)
  std::size_t primary_ = 0;
  std::unordered_map<TrialId, Pending> pending_;
  std::unordered_map<TrialId, Config> configs_;
};

}  // namespace synetune
