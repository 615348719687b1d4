#pragma once
/// Vocabulary types shared by every module: trial ids, statuses, decisions, suggestions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "synetune/core/json.hpp"

namespace synetune {

using TrialId = std::int64_t;

/// A configuration: an insertion-ordered JSON object `name -> value` (number, string, bool,
/// or for constants any JSON value). Hyperparameters keep the order of the config space.
using Config = Json;

/// Optimisation direction of a metric. Syne Tune's default is `kMin`.
enum class Mode { kMin, kMax };
std::string to_string(Mode m);
Mode parse_mode(std::string_view s);  ///< "min" / "max"; throws InvalidArgument otherwise

/// Trial states with Syne Tune's names (`InProgress`, `Completed`, ...).
enum class TrialStatus { kInProgress, kCompleted, kFailed, kPaused, kStopped, kStopping };
std::string to_string(TrialStatus s);
TrialStatus parse_trial_status(std::string_view s);
/// Completed, Stopped, Stopping or Failed (Syne Tune's "finished").
bool is_finished(TrialStatus s);

/// A scheduler's answer to a reported result (Syne Tune's CONTINUE / PAUSE / STOP).
enum class Decision { kContinue, kPause, kStop };
std::string to_string(Decision d);
Decision parse_decision(std::string_view s);

/// Start a new trial with `config`, optionally warm-started by copying the checkpoint folder of
/// trial `warm_start_from` (PBT's exploit step).
struct StartTrial {
  Config config;
  std::optional<TrialId> warm_start_from;
};
/// Resume a paused trial (same id, same checkpoint folder), optionally with a changed config
/// (e.g. promotion-type Hyperband raising `max_resource_attr`).
struct ResumeTrial {
  TrialId trial_id = -1;
  std::optional<Config> new_config;
};
using TrialSuggestion = std::variant<StartTrial, ResumeTrial>;

/// What schedulers and callbacks see of a trial: immutable except through the tuner.
struct Trial {
  TrialId trial_id = -1;
  Config config;
  TrialStatus status = TrialStatus::kInProgress;
  double creation_time = 0.0;  ///< tuner time (seconds since tuning start) of the first start
};

}  // namespace synetune
