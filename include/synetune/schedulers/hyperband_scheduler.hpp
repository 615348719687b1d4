#pragma once
/// Asynchronous Hyperband / ASHA, Syne Tune 0.13's `HyperbandScheduler` with `type="stopping"`
/// or `type="promotion"` (reference 5.4). Differences to 0.15's AsynchronousSuccessiveHalving
/// (5.5): 0.15 stops iff the rank (#strictly better / (n+1)) exceeds 1/eta and uses float
/// milestones with 1/eta for every rung; 0.13 (implemented here) compares with the linear
/// quantile q_k = r_k / r_{k+1} (last rung r_J / max_t) as 0.13 rounds it (rung_cutoff_sorted),
/// and supports pause-and-promote. tests/parity replays decision traces of 0.13 through it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/rung_system.hpp"
#include "synetune/schedulers/scheduler.hpp"

namespace synetune {

enum class HyperbandType { kStopping, kPromotion };
std::string to_string(HyperbandType t);
HyperbandType parse_hyperband_type(const std::string& s);  ///< "stopping" / "promotion"

/// How a new trial's bracket is chosen when brackets > 1.
enum class BracketRule {
  /// Drawn from bracket_distribution() with the scheduler's seed, as Syne Tune does.
  kSampled,
  /// Trial t gets bracket t % brackets: no randomness, so a run can be compared decision by
  /// decision with another implementation given the same assignment (tests/parity replays
  /// Syne Tune traces recorded with it). Ignores the distribution, Hyper-Tune's included.
  kRoundRobin,
};
std::string to_string(BracketRule r);
BracketRule parse_bracket_rule(const std::string& s);  ///< "sampled" / "round_robin"

struct HyperbandOptions {
  HyperbandType type = HyperbandType::kStopping;
  /// Smallest rung level r_min (ignored when rung_levels is given).
  std::int64_t grace_period = 1;
  /// eta: rung levels grow geometrically by this factor; >= 2.
  double reduction_factor = 3.0;
  /// Explicit rung levels (increasing, < max_t); empty = geometric.
  std::vector<std::int64_t> rung_levels;
  /// Number of brackets, 1 = ASHA; at most #rungs + 1. Bracket s skips the s lowest rungs.
  int brackets = 1;
  /// Seed of the bracket sampler.
  std::uint64_t seed = 0;
  BracketRule bracket_rule = BracketRule::kSampled;

  void validate() const;  ///< throws InvalidArgument naming the bad option
  Json to_json() const;
};

class HyperbandScheduler : public Scheduler {
 public:
  /// `problem.max_t` is required. `problem.max_resource_attr` (if non-empty) is set in each
  /// config to the level where the script should stop (next milestone for promotion, max_t for
  /// stopping). A searcher that is a RungLevelsListener is given the rung levels here.
  HyperbandScheduler(ProblemSpec problem, HyperbandOptions options, std::unique_ptr<Searcher> searcher);

  /// The rung levels a scheduler built from `problem` and `options` uses (the one place they
  /// are computed; factories read it to size bracket defaults). Throws InvalidArgument on bad
  /// options, a missing max_t, or more brackets than #rungs + 1.
  static std::vector<std::int64_t> rung_levels_for(const ProblemSpec& problem, const HyperbandOptions& options);

  std::optional<TrialSuggestion> suggest(TrialId next_trial_id) override;
  void on_trial_add(const Trial& trial) override;
  Decision on_trial_result(const Trial& trial, const Result& result) override;
  void on_trial_complete(const Trial& trial, const Result& last_result) override;
  void on_trial_error(const Trial& trial) override;

  /// Promotion type: pause and resume (trials wait at rungs until promoted).
  SchedulerRequirements requirements() const override;
  const ProblemSpec& problem() const override { return problem_; }
  /// Every result is placed at a rung: its resource must be a positive integer.
  ResourceNeed resource_need() const override { return ResourceNeed::kPositiveInteger; }
  Json metadata() const override;
  Json save_state() const override;
  void append_state(std::string& out) const override;
  void load_state(const Json& state) override;

  const RungSystem& rungs() const { return rungs_; }
  const HyperbandOptions& options() const { return options_; }
  /// Bracket a trial was assigned to (-1 if unknown).
  int bracket_of(TrialId trial_id) const;
  /// Distribution new trials' brackets are drawn from: Hyperband's default, or with its head
  /// replaced by what the searcher learned (Hyper-Tune).
  std::vector<double> bracket_distribution() const;

 private:
  enum class Status { kRunning, kPaused, kDone };
  struct TrialState {
    Config config;  ///< promotion type only (resumed with it); stopping uses Trial::config
    int bracket = 0;
    std::size_t next_rung = 0;      ///< index of the next rung to record (num_rungs: max_t)
    std::int64_t resume_from = 0;   ///< promotion: level the trial was last resumed from
    Status status = Status::kRunning;
    bool known = false;             ///< slot in use (dense storage)
  };
  TrialState& state_of(const Trial& trial);
  /// Slot of the trial (created unknown if absent). Ids are dense from 0 in a tuning run,
  /// so they index a vector; far-off ids go to a map.
  TrialState& slot(TrialId trial_id);
  const TrialState* find_state(TrialId trial_id) const;
  template <class F>
  void for_each_state(F&& f) const;  ///< known trials in increasing id order
  void finish(TrialId trial_id, TrialState& st);
  std::int64_t first_milestone(int bracket) const;
  /// Bracket of the trial about to start (options_.bracket_rule).
  int choose_bracket(TrialId next_trial_id);
  std::optional<TrialSuggestion> try_promote();
  bool promotion() const { return options_.type == HyperbandType::kPromotion; }

  ProblemSpec problem_;
  HyperbandOptions options_;
  std::unique_ptr<Searcher> searcher_;
  std::int64_t max_t_ = 0;
  RungSystem rungs_;
  std::vector<double> bracket_probs_;
  Rng rng_;
  std::vector<TrialState> dense_;
  std::unordered_map<TrialId, TrialState> sparse_;
  /// Suggested, not yet added, bracket != 0 (a trial added without entry gets bracket 0).
  std::unordered_map<TrialId, int> pending_brackets_;
};

}  // namespace synetune
