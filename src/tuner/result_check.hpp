#pragma once
// What the tuner checks in a reported result before the scheduler sees it. Kept apart from the
// loop (tuner.cpp) so the rules are read, changed and tested in one place.
#include <string>
#include <vector>

#include "synetune/core/problem_spec.hpp"
#include "synetune/core/result.hpp"

namespace synetune {

/// The verdict on one reported result.
struct ResultVerdict {
  enum class Kind {
    kAccept,      ///< the scheduler gets it
    kFailTrial,   ///< the trial is a Failed trial with `message` as reason; the tuning goes on
    kStopTuning,  ///< the tuning cannot work at all: it stops with `message` as the error
  };
  Kind kind = Kind::kAccept;
  std::string message;
};

/// What the scheduler needs of every result: `metric_names` (the first is the tuned metric),
/// and, when `resource_need` is not kNone, the metric and `resource_attr` in every result
/// (Scheduler::resource_need()).
struct ResultNeeds {
  std::vector<std::string> metric_names;
  std::string resource_attr = {};
  ResourceNeed resource_need = ResourceNeed::kNone;
};

/// Checks `result` of trial `result.trial_id` against what the scheduler needs:
/// - a metric reported as something other than a number (`"val_loss": "abc"`, null, a list)
///   fails the trial: a string in a numeric column would break results.csv.zip and the
///   scheduler would see the metric as missing;
/// - a trial's first result (`first_of_trial`) without the tuned metric stops the tuning, as
///   Syne Tune does: the metric name is almost surely mistyped, and every trial would run to
///   its end without informing the search. The message names the metric and the reported keys;
/// - for a scheduler that reads every result (resource_need not kNone), a later result without
///   the tuned metric, or with a resource attribute that is missing or not what the scheduler
///   needs (`"epoch": "two"`, `"epoch": 1.5` for a rung level), fails the trial: the script
///   is at fault, not the whole tuning. For other schedulers a later result may leave the
///   metric out (Syne Tune checks a trial's first result only).
ResultVerdict check_reported_result(const Result& result, const ResultNeeds& needs, bool first_of_trial);

}  // namespace synetune
