#pragma once
/// LocalBackend: runs each trial as a child process on this machine (Syne Tune's
/// `LocalBackend`). Metrics are read from the child's stdout as they are printed
/// (`[tune-metric]: {json}` lines); child exits and pipe data are waited for with epoll
/// and pidfds, never by sleep-polling.
///
/// Trial folder `<tuner_path>/<trial_id>/`: `config.json`, `std.out`, `std.err` (appended
/// across resumes), markers `stop` / `pause` / `end`, and the trial's `checkpoints/` folder
/// (passed as `--st_checkpoint_dir`, created by the training script).
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/backends/trial_command.hpp"

namespace synetune {

/// The launch itself (entry point, interpreter, extra arguments and variables, our Python
/// package, working directory) is the TrialCommandOptions base; make_trial_command() builds
/// each trial's command from it.
struct LocalBackendOptions : TrialCommandOptions {
  /// Delete a trial's `checkpoints/` when it completes or is stopped, and all at stop_all().
  bool delete_checkpoints = false;
  /// GPUs given to each trial via CUDA_VISIBLE_DEVICES (only when >= 2 GPUs are usable);
  /// reduced, with a warning, to the number of usable GPUs.
  int num_gpus_per_trial = 1;
  /// Physical GPU ids that may be used (empty = all detected).
  std::vector<int> gpus_to_use;
  /// Physical GPU ids to assume instead of asking `nvidia-smi --list-gpus` (tests).
  std::optional<std::vector<int>> visible_gpus_override;
  /// Seconds between SIGTERM and SIGKILL when a trial is stopped or paused.
  double kill_grace_period = 5.0;
};

/// Syne Tune's GPU choice for a new trial: free GPUs first (fewest past assignments first),
/// then, if more are needed, busy ones with the fewest past assignments. Indices are into
/// the usable GPU list.
class GpuAllocator {
 public:
  GpuAllocator(int num_gpus, int per_trial) : counts_(static_cast<std::size_t>(num_gpus), 0),
                                              busy_(static_cast<std::size_t>(num_gpus), 0),
                                              per_trial_(per_trial) {}
  std::vector<int> allocate();
  void release(const std::vector<int>& gpus);
  int num_gpus() const { return static_cast<int>(counts_.size()); }
  Json save_state() const;
  void load_state(const Json& state);

 private:
  std::vector<int> counts_;  ///< historical assignments per GPU
  std::vector<int> busy_;    ///< running trials per GPU
  int per_trial_;
};

class LocalBackend : public Backend {
 public:
  /// Throws InvalidArgument if the entry point does not exist or an option is invalid.
  explicit LocalBackend(LocalBackendOptions options);
  ~LocalBackend() override;  ///< stops every running trial
  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  void set_tuner_path(const std::filesystem::path& tuner_path) override;
  void start(TrialId trial_id, const Config& config,
             std::optional<TrialId> warm_start_from) override;
  void pause(TrialId trial_id) override;
  void resume(TrialId trial_id, const Config& config) override;
  void stop(TrialId trial_id) override;
  std::vector<BackendEvent> wait(double deadline) override;
  double now() const override;
  void stop_all() override;
  BackendCapabilities capabilities() const override;
  std::string name() const override { return "LocalBackend"; }
  Json save_state() const override;
  void load_state(const Json& state) override;
  /// Re-attaches none (a trial's output went through the dead tuner's pipe); kills what the
  /// previous tuner left running of these trials (`<trial>/pid`), so the tuner restarts them.
  std::vector<TrialId> reattach(const std::vector<TrialId>& running) override;

  /// The argv a trial is started with (make_trial_command's, for this trial's folder).
  std::vector<std::string> trial_argv(TrialId trial_id, const Config& config) const;
  /// Folder of a trial.
  std::filesystem::path trial_path(TrialId trial_id) const;
  /// Number of trial processes alive (running or being killed).
  int num_processes() const;
  const LocalBackendOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synetune
