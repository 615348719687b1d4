#pragma once
/// Scheduler: decides *when*: which trial to start or resume, and whether a running trial
/// continues, pauses or stops after each result. Knows nothing of processes or clocks.
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"
#include "synetune/searchers/searcher.hpp"

namespace synetune {

/// What a scheduler needs of the backend that runs its trials. The Tuner compares it with
/// BackendCapabilities when it is built, before any trial starts: a mismatch found later
/// would surface only hours into tuning (retrained epochs, a PBT that never exploits).
struct SchedulerRequirements {
  /// It pauses trials (Decision::kPause) and resumes them later (ResumeTrial).
  bool pause_resume = false;
  /// It starts trials from another trial's checkpoint (StartTrial::warm_start_from).
  bool warm_start = false;
  /// The method as an error message names it when a requirement is not met, e.g.
  /// "promotion-type HyperbandScheduler (ASHA, Hyperband, MOBSTER or Hyper-Tune)".
  std::string method;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// What to run on a free worker: a new trial (its id will be `next_trial_id`), a resume of
  /// a paused trial, or nullopt when nothing more can be suggested.
  virtual std::optional<TrialSuggestion> suggest(TrialId next_trial_id) = 0;
  /// A new trial was started from a StartTrial suggestion.
  virtual void on_trial_add(const Trial& trial) = 0;
  /// A result of a running trial. Precondition when resource_need() is not kNone: `result`
  /// carries problem().metric and a problem().resource_attr that meets the need (the Tuner
  /// fails a trial whose result does not, so that such a result never gets here).
  virtual Decision on_trial_result(const Trial& trial, const Result& result) = 0;
  /// The trial's process ended normally; `last_result` is its last reported result.
  virtual void on_trial_complete(const Trial& trial, const Result& last_result) = 0;
  /// The trial failed (crash, no result, killed from outside).
  virtual void on_trial_error(const Trial& trial) = 0;
  /// The trial was paused or stopped by this scheduler's decision.
  virtual void on_trial_remove(const Trial& trial) { (void)trial; }

  /// What this scheduler needs of the backend (checked by the Tuner). Default: nothing
  /// beyond starting and stopping trials, which every backend does.
  virtual SchedulerRequirements requirements() const { return {}; }

  virtual const ProblemSpec& problem() const = 0;
  /// Whether this scheduler reads every result, and what it needs of the resource attribute
  /// there. kNone (the default): results are read as they come, a later one may lack the
  /// metric. Otherwise every result must carry the metric and the resource attribute as
  /// ResourceNeed says; the Tuner checks it (src/tuner/result_check.cpp) and fails the trial
  /// of a result that falls short, telling the scheduler with on_trial_error.
  virtual ResourceNeed resource_need() const { return ResourceNeed::kNone; }
  /// Metric names this scheduler optimises (for metadata.json); first is the main one.
  virtual std::vector<std::string> metric_names() const { return {problem().metric}; }
  /// Short name and options, written to metadata.json.
  virtual Json metadata() const = 0;
  /// Complete state, searcher and RNG included.
  virtual Json save_state() const = 0;
  /// save_state() as compact JSON text (as dump_json_python writes it), appended to `out`:
  /// the checkpoint's form. Schedulers with large states override it to skip the document.
  virtual void append_state(std::string& out) const { append_json_python(out, save_state()); }
  virtual void load_state(const Json& state) = 0;
};

}  // namespace synetune
