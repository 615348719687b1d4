#pragma once
/// Backend: *where* trials run (local processes, simulated time, Slurm). Knows nothing of
/// schedulers. Time comes from the backend's clock so that the tuner runs unchanged in
/// simulation.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

struct BackendEvent {
  enum class Kind {
    kResult,     ///< a reported result (`result`)
    kCompleted,  ///< the trial ended by itself with success (exit 0)
    kFailed,     ///< crashed, killed from outside, or could not start (`reason`)
  };
  Kind kind = Kind::kResult;
  TrialId trial_id = -1;
  double time = 0.0;  ///< backend clock time of the event
  Result result;
  std::string reason;
};

/// What a backend can do, checked once when the tuner is wired.
struct BackendCapabilities {
  bool pause_resume = true;     ///< resume re-runs a paused trial with its checkpoint folder
  bool warm_start = true;       ///< start can copy another trial's checkpoint folder
  bool simulated_time = false;  ///< clock is virtual; results are reproducible bit for bit
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// Folder of the experiment; trial folders are `<tuner_path>/<trial_id>/`.
  virtual void set_tuner_path(const std::filesystem::path& tuner_path) = 0;
  virtual void start(TrialId trial_id, const Config& config,
                     std::optional<TrialId> warm_start_from) = 0;
  /// Pause / stop: results the trial reports afterwards are dropped.
  virtual void pause(TrialId trial_id) = 0;
  virtual void resume(TrialId trial_id, const Config& config) = 0;
  virtual void stop(TrialId trial_id) = 0;
  /// Blocks until at least one event is ready or `now() >= deadline`; returns the ready
  /// events in time order (possibly none at the deadline).
  virtual std::vector<BackendEvent> wait(double deadline) = 0;
  /// Seconds on the backend's clock (monotonic; virtual for the simulator).
  virtual double now() const = 0;
  /// Stops every running trial (end of tuning, Ctrl-C).
  virtual void stop_all() = 0;
  virtual BackendCapabilities capabilities() const = 0;
  /// Class-like name for metadata.json (`LocalBackend`, `SimulatorBackend`, `SlurmBackend`).
  virtual std::string name() const = 0;
  /// Bookkeeping for the tuner checkpoint (e.g. simulated clock). Default: nothing.
  virtual Json save_state() const { return Json::object(); }
  virtual void load_state(const Json& state) { (void)state; }
  /// After load_state on resume: `running` trials were InProgress when the tuner stopped.
  /// Returns those the backend could NOT re-attach to (the tuner resumes them from their
  /// checkpoints). Default: none re-attached (processes died with the tuner). The simulator
  /// re-attaches all (its event queue is part of its state).
  virtual std::vector<TrialId> reattach(const std::vector<TrialId>& running) { return running; }
};

}  // namespace synetune
