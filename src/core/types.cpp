#include "synetune/core/types.hpp"

#include "synetune/core/error.hpp"

namespace synetune {

std::string to_string(Mode m) { return m == Mode::kMin ? "min" : "max"; }

Mode parse_mode(std::string_view s) {
  if (s == "min") return Mode::kMin;
  if (s == "max") return Mode::kMax;
  throw InvalidArgument("invalid mode '" + std::string(s) + "': use 'min' or 'max'");
}

std::string to_string(TrialStatus s) {
  switch (s) {
    case TrialStatus::kInProgress: return "InProgress";
    case TrialStatus::kCompleted: return "Completed";
    case TrialStatus::kFailed: return "Failed";
    case TrialStatus::kPaused: return "Paused";
    case TrialStatus::kStopped: return "Stopped";
    case TrialStatus::kStopping: return "Stopping";
  }
  return "?";
}

TrialStatus parse_trial_status(std::string_view s) {
  for (auto st : {TrialStatus::kInProgress, TrialStatus::kCompleted, TrialStatus::kFailed,
                  TrialStatus::kPaused, TrialStatus::kStopped, TrialStatus::kStopping})
    if (to_string(st) == s) return st;
  throw InvalidArgument("unknown trial status '" + std::string(s) + "'");
}

bool is_finished(TrialStatus s) {
  return s == TrialStatus::kCompleted || s == TrialStatus::kFailed ||
         s == TrialStatus::kStopped || s == TrialStatus::kStopping;
}

std::string to_string(Decision d) {
  switch (d) {
    case Decision::kContinue: return "CONTINUE";
    case Decision::kPause: return "PAUSE";
    case Decision::kStop: return "STOP";
  }
  return "?";
}

Decision parse_decision(std::string_view s) {
  if (s == "CONTINUE") return Decision::kContinue;
  if (s == "PAUSE") return Decision::kPause;
  if (s == "STOP") return Decision::kStop;
  throw InvalidArgument("unknown decision '" + std::string(s) + "'");
}

}  // namespace synetune
