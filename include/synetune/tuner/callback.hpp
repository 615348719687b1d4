#pragma once
/// Tuner callbacks: the extension point for storing and showing results.
#include <filesystem>
#include <string>

#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"
#include "synetune/tuner/stopping_criterion.hpp"

namespace synetune {

struct TuningContext {
  std::filesystem::path tuner_path;
  std::string tuner_name;
  Json metadata;  ///< what goes to metadata.json
  bool simulated = false;
  bool resumed = false;
};

class TunerCallback {
 public:
  virtual ~TunerCallback() = default;
  virtual void on_tuning_start(const TuningContext& ctx) { (void)ctx; }
  /// A trial was started (`resumed` false) or resumed from pause.
  virtual void on_trial_start(const Trial& trial, bool resumed, double tuner_time) {
    (void)trial, (void)resumed, (void)tuner_time;
  }
  /// A result and the scheduler's decision on it. `status` is the status before the decision.
  /// Callbacks may add columns to the stored row through `extra` (Syne Tune's
  /// ExtraResultsComposer): keys set there are stored with the result.
  virtual void on_trial_result(const Trial& trial, const Result& result, Decision decision,
                               double tuner_time, Json& extra) {
    (void)trial, (void)result, (void)decision, (void)tuner_time, (void)extra;
  }
  /// The trial's status changed to a non-running state (Completed, Failed, Stopped, Paused).
  virtual void on_trial_status(const Trial& trial, TrialStatus status, const std::string& reason,
                               double tuner_time) {
    (void)trial, (void)status, (void)reason, (void)tuner_time;
  }
  /// End of one loop iteration (a batch of events was handled): a good time to flush.
  virtual void on_loop_end(const TuningStatus& status) { (void)status; }
  virtual void on_tuning_end(const TuningStatus& status) { (void)status; }
};

}  // namespace synetune
