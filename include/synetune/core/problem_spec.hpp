#pragma once
/// ProblemSpec: what is being optimised, given once to a method factory and shared by its
/// scheduler and searcher (metric, mode, resource attribute, max_t, max_resource_attr).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "synetune/core/types.hpp"

namespace synetune {

/// What a scheduler needs of the resource attribute (ProblemSpec::resource_attr) in each result
/// it is given (Scheduler::resource_need()). Ordered: each asks more than the one before.
enum class ResourceNeed {
  kNone,             ///< nothing (FIFO: read only when present, to stop a trial at max_t)
  kNumber,           ///< a number: a time step (PBT, the median stopping rule)
  kPositiveInteger,  ///< 1, 2, 3, ...: a rung level (the Hyperband family, synchronous Hyperband)
};

struct ProblemSpec {
  /// Name of the reported metric to optimise (a key of each `[tune-metric]` result).
  std::string metric = {};
  /// Minimise or maximise `metric`; Syne Tune's default is min.
  Mode mode = Mode::kMin;
  /// Reported resource: the number of epochs (or other units) done so far, 1-based.
  std::string resource_attr = "epoch";
  /// Largest resource level a trial reaches (Syne Tune's max_t), >= 1 if set. The only place
  /// it is held: multi-fidelity schedulers read it here (Hyperband, MOBSTER and synchronous
  /// Hyperband require it, PBT defaults to 100), and a FIFO scheduler stops a trial reaching
  /// it. Method options named "max_t" in the string registry override it at that edge.
  std::optional<std::int64_t> max_t = std::nullopt;
  /// Config key telling the script how far to train (e.g. "epochs"); empty = none. Schedulers
  /// that pause trials set it to the level where the script should stop.
  std::string max_resource_attr = {};

  /// Sign so that smaller is better: +1 for min, -1 for max.
  double sign() const { return mode == Mode::kMin ? 1.0 : -1.0; }
  /// max_t, or throws InvalidArgument "<who> needs max_t: ..." when unset or < 1.
  std::int64_t require_max_t(std::string_view who) const;
  /// Throws InvalidArgument when max_t is set but < 1.
  void validate() const;
};

}  // namespace synetune
