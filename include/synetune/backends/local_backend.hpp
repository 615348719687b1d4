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

namespace synetune {

struct LocalBackendOptions {
  /// Training program. `.py` files run through `python`; anything else is executed directly
  /// (must be executable). Must exist (checked by the constructor).
  std::filesystem::path entry_point;
  /// Interpreter for `.py` entry points (a name looked up on PATH, or a path).
  std::string python = "python3";
  /// Extra arguments placed right after the entry point, before the config arguments.
  std::vector<std::string> extra_args;
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
  /// Variables added to (overriding) the environment of every trial.
  std::map<std::string, std::string> extra_env;
  /// Our `python/` folder (holding the pure-Python `syne_tune` package); put in front of
  /// PYTHONPATH only if the interpreter cannot import a real `syne_tune` without it.
  std::filesystem::path python_package_dir;
};

/// Python's `str(value)` for a config value as passed on the command line: ints as ints,
/// floats in shortest round-trip repr (`0.001`, `1e-05`), strings verbatim, `True`/`False`,
/// `None`; lists and objects as compact JSON.
std::string format_cli_value(const Json& value);

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

  /// The argv a trial is started with (interpreter, entry, extra args, config, checkpoint dir).
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
