#pragma once
/// SlurmBackend: every trial is a Slurm batch job (`sbatch --parsable` of a wrapper script
/// written into the trial folder). The trial folder must be on a filesystem shared by the
/// tuner host and the compute nodes.
///
/// Trial folder `<tuner_path>/<trial_id>/` as for the LocalBackend (`config.json`, `std.out`,
/// `std.err` appended across resumes, markers `stop` / `pause` / `end`, `checkpoints/`), plus
/// `slurm-job.sh` (the wrapper) and `slurm-<jobid>.exit` (the trial's exit code, written by the
/// wrapper when the program ends). Metrics are read by tailing `std.out` (inotify plus a short
/// poll for NFS); job states come from `squeue` at a modest rate, the exit code from the file.
/// Submissions are deferred while `max_jobs` jobs (including stopped ones still terminating)
/// are in Slurm, so the cluster never sees more than the tuner's n_workers jobs.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/backends/trial_command.hpp"

namespace synetune {

/// The launch (entry point, interpreter, extra arguments and variables, our Python package,
/// working directory: default the tuner's current directory) is the TrialCommandOptions
/// base, as for the LocalBackend: both run the command make_trial_command() builds. The job
/// gets the command's environment through sbatch (`--export=ALL`, Slurm's default), plus
/// PYTHONUNBUFFERED=1 unless set, so that prints reach std.out when they happen.
struct SlurmBackendOptions : TrialCommandOptions {
  // sbatch resources; empty / 0 = not passed (cluster default).
  std::string partition;
  std::string account;
  std::string time_limit;  ///< sbatch --time, e.g. "30" (minutes) or "1:00:00"
  int cpus_per_task = 0;
  int gpus_per_trial = 0;  ///< --gres=gpu:N
  std::vector<std::string> sbatch_options;  ///< extra arguments passed to sbatch verbatim
  std::string job_name_prefix = "synetune";

  /// Most jobs in Slurm at once (0 = unlimited); set to the tuner's n_workers.
  int max_jobs = 0;
  /// Seconds between squeue calls while jobs are in Slurm.
  double status_interval = 1.0;
  /// Seconds between std.out / exit-file polls besides inotify (network filesystems).
  double file_poll_interval = 0.2;
  /// A job that left squeue without an exit file is failed after this many seconds (NFS lag).
  double exit_file_grace = 3.0;
  /// Temporary sbatch failures are retried this many times with doubling backoff.
  int sbatch_retries = 5;
  double sbatch_backoff = 0.5;
  /// Slurm client programs (names on PATH or paths); tests may substitute fakes.
  std::string sbatch = "sbatch", squeue = "squeue", scancel = "scancel", scontrol = "scontrol";
};

class SlurmBackend : public Backend {
 public:
  /// Throws InvalidArgument if the entry point does not exist or an option is invalid.
  explicit SlurmBackend(SlurmBackendOptions options);
  ~SlurmBackend() override;  ///< cancels every job it submitted that is still in Slurm
  SlurmBackend(const SlurmBackend&) = delete;
  SlurmBackend& operator=(const SlurmBackend&) = delete;

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
  std::string name() const override { return "SlurmBackend"; }
  /// Job ids per trial and the jobs still in Slurm (with their std.out read offsets), so
  /// that a resumed tuner re-attaches to jobs that kept running (see reattach); jobs nobody
  /// re-attaches are cancelled at the first start()/wait().
  Json save_state() const override;
  void load_state(const Json& state) override;
  /// Trials whose job is still in Slurm (or finished with an exit file) are followed again;
  /// returns the others. Jobs of trials not in `running` are cancelled.
  std::vector<TrialId> reattach(const std::vector<TrialId>& running) override;

  /// The sbatch command line for a trial's job (without the wrapper path).
  std::vector<std::string> sbatch_args(TrialId trial_id) const;
  /// Text of the wrapper script for a trial: make_trial_command's argv, each word quoted by
  /// shell_quote(), then the line that records the exit code.
  std::string wrapper_script(TrialId trial_id, const Config& config) const;
  /// Slurm job ids of a trial, oldest first.
  std::vector<std::string> job_ids(TrialId trial_id) const;
  /// Jobs this backend believes are in Slurm (queued, running or terminating).
  int num_jobs_in_slurm() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `sbatch --parsable` output -> job id ("123" or "123;cluster" -> "123"); empty if none.
std::string parse_sbatch_job_id(const std::string& out);
/// `squeue -h -o '%i|%T|%r'` output -> job id -> {state, reason}.
std::map<std::string, std::pair<std::string, std::string>> parse_squeue(const std::string& out);
/// True for Slurm job states after which the job will not run any more.
bool slurm_state_is_terminal(const std::string& state);
/// Single-quotes a word for sh and bash: the result is one word with exactly the text of `s`
/// (only `'` is special inside single quotes; it becomes '\''), whatever `s` holds.
std::string shell_quote(const std::string& s);
/// `path` as an sbatch --output/--error filename pattern that names exactly that file: `%`
/// (which would start a replacement symbol such as %j) doubled. Throws InvalidArgument for a
/// path with a backslash, which turns pattern processing off and is then removed by Slurm.
std::string slurm_filename_pattern(const std::string& path);

}  // namespace synetune
