#pragma once
/// Searcher: decides *which* configuration to try next. Knows nothing of time or processes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/problem_spec.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

class Searcher {
 public:
  virtual ~Searcher() = default;
  /// Next config (tunable values and constants), or nullopt when the space is exhausted.
  virtual std::optional<Config> suggest(TrialId trial_id) = 0;
  /// A trial was started with `config` (pending evaluation until results arrive).
  virtual void on_trial_add(TrialId trial_id, const Config& config) { (void)trial_id, (void)config; }
  /// An intermediate result (multi-fidelity searchers learn from these).
  virtual void on_trial_result(TrialId trial_id, const Config& config, const Result& result) {
    (void)trial_id, (void)config, (void)result;
  }
  /// The trial completed; `result` is its last result.
  virtual void on_trial_complete(TrialId trial_id, const Config& config, const Result& result) {
    (void)trial_id, (void)config, (void)result;
  }
  /// The trial failed: no value will come; it stays excluded from future suggestions.
  virtual void on_trial_error(TrialId trial_id) { (void)trial_id; }
  virtual std::string name() const = 0;
  /// Hyper-Tune: learned weights of the first brackets (unnormalized; bracket s starts at the
  /// s-th rung level). Empty: the scheduler keeps its default bracket distribution.
  virtual std::vector<double> bracket_distribution_head() const { return {}; }
  /// Complete state, RNG included, such that load_state(save_state()) continues identically.
  virtual Json save_state() const = 0;
  virtual void load_state(const Json& state) = 0;
};

/// Capability of searchers that model results across resource levels (MOBSTER, Hyper-Tune).
/// Rung levels are computed by the multi-fidelity scheduler alone, from its options and the
/// ProblemSpec's max_t; a scheduler owning a searcher with this capability (checked once, at
/// construction) hands them over, so that scheduler and model cannot disagree.
class RungLevelsListener {
 public:
  virtual ~RungLevelsListener() = default;
  /// The scheduler's rung levels (increasing, each < max_t), before the first suggest().
  virtual void set_rung_levels(std::vector<std::int64_t> levels) = 0;
};

}  // namespace synetune
