#pragma once
// State of the SlurmBackend: submission queue, jobs in Slurm, std.out tailing, squeue polling.
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/local/metric_line_parser.hpp"
#include "synetune/backends/slurm_backend.hpp"
#include "synetune/backends/trial_command.hpp"

namespace synetune::slurm {

void write_file(const std::filesystem::path& p, const std::string& text);

struct Job {
  TrialId trial = -1;
  std::string id;
  std::uintmax_t offset = 0;  // bytes of std.out already parsed
  std::uintmax_t line_offset = 0;  // end of the last complete line parsed (for re-attaching)
  local::MetricLineParser parser;
  bool silenced = false;   // paused / stopped: its results and end are dropped
  bool done = false;       // its end was reported (or dropped)
  bool in_slurm = true;    // until squeue shows it terminal or forgets it
  double left_slurm_at = -1;  // left Slurm without an exit file yet: when (grace for NFS)
  std::string last_state, last_reason;
  double submitted_at = 0;
  bool seen_output = false;
};

struct Queued {
  TrialId trial = -1;
  std::vector<std::string> env;  // the trial command's: sbatch passes it on to the job
  int attempts = 0;
  double next_try = 0;
  std::string last_error;
};

}  // namespace synetune::slurm

namespace synetune {

struct SlurmBackend::Impl {
  SlurmBackendOptions opt;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::filesystem::path tuner_path;
  // opt's launch options with our Python package resolved, at the first start (runs python).
  std::optional<TrialCommandOptions> launch;
  int inotify_fd = -1;
  std::unordered_map<TrialId, int> watches;
  std::vector<std::unique_ptr<slurm::Job>> jobs;  // not done, or still in Slurm
  std::unordered_map<TrialId, slurm::Job*> active;
  std::deque<slurm::Queued> queue;
  std::map<TrialId, std::vector<std::string>> history;
  std::vector<BackendEvent> pending;
  Json stale = Json::array();  // jobs of a loaded state, until reattach() or first use
  double next_status = 0;
  double last_squeue_warning = -1e9;
  std::string trace_file;  // $SYNETUNE_SLURM_TRACE: latency measurements
  std::vector<Json> metrics_tmp;
  std::vector<std::string> warnings_tmp;

  ~Impl();
  void init();
  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::filesystem::path trial_path(TrialId id) const { return tuner_path / std::to_string(id); }
  /// The trial's command (make_trial_command, as the LocalBackend runs it).
  TrialCommand command(TrialId id, const Config& config);
  /// The job script: `argv` quoted word by word, then the exit-code file is written.
  std::string wrapper(TrialId id, const std::vector<std::string>& argv) const;
  void warn(TrialId id, const std::string& msg) const;
  void trace(const std::string& line) const;
  int num_in_slurm() const;
  std::vector<std::string> sbatch_argv(TrialId id) const;
  bool is_queued(TrialId id) const;
  double next_queue_try() const;
  void enqueue(TrialId id, std::vector<std::string> env);
  void submit_queued(double t, std::vector<BackendEvent>& out);
  /// sbatch; returns the job id, or "" with `error` set (`permanent`: do not retry).
  std::string sbatch(const slurm::Queued& q, std::string& error, bool& permanent);
  void poll_files(std::vector<BackendEvent>& out);
  void read_output(slurm::Job& j, std::vector<BackendEvent>& out, bool final);
  void finish_job(slurm::Job& j, int rc, std::vector<BackendEvent>& out);
  void fail_job(slurm::Job& j, const std::string& reason, std::vector<BackendEvent>& out);
  void poll_squeue(std::vector<BackendEvent>& out);
  bool wait_for_files(double seconds);
  void watch(TrialId id);
  void unwatch(TrialId id);
  void silence(const std::vector<TrialId>& ids, bool is_stop);
  void scancel(const std::vector<std::string>& ids);
  void cancel_stale_jobs();
  std::vector<TrialId> reattach(const std::vector<TrialId>& running);
  std::string describe_job(const std::string& job_id) const;
  std::string stderr_tail(TrialId id) const;
  void collect_garbage();
};

}  // namespace synetune
