#pragma once
/// Searcher: decides *which* configuration to try next. Knows nothing of time or processes.
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

/// What is being optimised; shared by searchers and schedulers.
struct ProblemSpec {
  std::string metric;                   ///< name of the reported metric to optimise
  Mode mode = Mode::kMin;               ///< Syne Tune's default is min
  std::string resource_attr = "epoch";  ///< reported resource (epochs done, 1-based)
  std::optional<double> max_t;          ///< largest resource level, if known
  std::string max_resource_attr;        ///< config key telling the script how far to train
  /// Sign so that smaller is better: +1 for min, -1 for max.
  double sign() const { return mode == Mode::kMin ? 1.0 : -1.0; }
};

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

}  // namespace synetune
