#include "synetune/backends/slurm_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "backends/slurm/slurm_jobs.hpp"
#include "synetune/core/error.hpp"
#include "synetune/reporter.hpp"

namespace synetune {
namespace fs = std::filesystem;
using slurm::Job;

SlurmBackend::SlurmBackend(SlurmBackendOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.cpus_per_task < 0 || options.gpus_per_trial < 0 || options.max_jobs < 0)
    throw InvalidArgument("SlurmBackend: cpus_per_task, gpus_per_trial and max_jobs must be >= 0");
  if (!(options.status_interval > 0) || !(options.file_poll_interval > 0))
    throw InvalidArgument("SlurmBackend: status_interval and file_poll_interval must be > 0 seconds");
  // sbatch --chdir needs a directory; a relative entry point is resolved against it.
  if (options.working_dir.empty()) options.working_dir = fs::current_path();
  options.working_dir = fs::absolute(options.working_dir);
  validate_trial_command_options(options, "SlurmBackend");
  // Prints must reach std.out as they happen, not at exit (std.out is a file on the node).
  if (!std::getenv("PYTHONUNBUFFERED") && !options.extra_env.count("PYTHONUNBUFFERED"))
    options.extra_env["PYTHONUNBUFFERED"] = "1";
  impl_->opt = std::move(options);
  impl_->init();
}

SlurmBackend::~SlurmBackend() {
  try {
    stop_all();
  } catch (...) {
  }
}

void SlurmBackend::set_tuner_path(const fs::path& tuner_path) {
  auto& d = *impl_;
  d.tuner_path = fs::absolute(tuner_path);
  slurm_filename_pattern(d.tuner_path.string());  // fail now, not at the first sbatch
  std::error_code ec;
  fs::create_directories(d.tuner_path, ec);
  if (ec) throw StorageError("cannot create " + d.tuner_path.string() + ": " + ec.message());
}

std::vector<std::string> SlurmBackend::sbatch_args(TrialId trial_id) const {
  return impl_->sbatch_argv(trial_id);
}

std::string SlurmBackend::wrapper_script(TrialId trial_id, const Config& config) const {
  auto& d = *impl_;
  if (d.tuner_path.empty()) throw InvalidArgument("SlurmBackend: call set_tuner_path() first");
  return d.wrapper(trial_id, make_trial_command(d.opt, config, d.trial_path(trial_id)).argv);
}

TrialCommand SlurmBackend::Impl::command(TrialId id, const Config& config) {
  if (!launch) launch = resolve_python_package(opt);
  return make_trial_command(*launch, config, trial_path(id));
}

std::string SlurmBackend::Impl::wrapper(TrialId id, const std::vector<std::string>& argv) const {
  std::string cmd;
  for (const auto& w : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(w);
  const std::string exit_file = shell_quote(trial_path(id).string()) + "/slurm-\"$SLURM_JOB_ID\".exit";
  // No `exec`: the shell must outlive the program to record its exit code. scancel signals
  // the whole job, so the shell dies too and no exit file means "did not end by itself".
  return "#!/bin/bash\n"
         "# synetune trial " + std::to_string(id) + " (generated; resubmitted on resume)\n" +
         cmd + "\n"
         "rc=$?\n"
         "printf '%s\\n' \"$rc\" > " + exit_file + ".tmp && mv -f " + exit_file + ".tmp " + exit_file + "\n"
         "exit $rc\n";
}

void SlurmBackend::start(TrialId trial_id, const Config& config,
                         std::optional<TrialId> warm_start_from) {
  auto& d = *impl_;
  if (d.tuner_path.empty())
    throw InvalidArgument("SlurmBackend: call set_tuner_path() before starting trials");
  d.cancel_stale_jobs();
  if (d.active.count(trial_id) || d.is_queued(trial_id))
    throw InvalidArgument("SlurmBackend: trial " + std::to_string(trial_id) + " is already running");
  const fs::path dir = d.trial_path(trial_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create " + dir.string() + ": " + ec.message());
  if (warm_start_from) {
    const fs::path src = d.trial_path(*warm_start_from) / "checkpoints";
    if (fs::exists(src)) {
      fs::copy(src, dir / "checkpoints",
               fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
      if (ec) d.warn(trial_id, "could not copy checkpoints of trial " +
                                   std::to_string(*warm_start_from) + ": " + ec.message());
    }
  }
  slurm::write_file(dir / "config.json", python_json_dumps(config));
  TrialCommand cmd = d.command(trial_id, config);
  slurm::write_file(dir / "slurm-job.sh", d.wrapper(trial_id, cmd.argv));
  d.enqueue(trial_id, std::move(cmd.env));
}

void SlurmBackend::resume(TrialId trial_id, const Config& config) {
  auto& d = *impl_;
  if (d.tuner_path.empty())
    throw InvalidArgument("SlurmBackend: call set_tuner_path() before resuming trials");
  if (d.active.count(trial_id) || d.is_queued(trial_id))
    throw InvalidArgument("SlurmBackend: cannot resume trial " + std::to_string(trial_id) +
                          ": it is running (pause it first)");
  const fs::path dir = d.trial_path(trial_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::remove(dir / "pause", ec);
  slurm::write_file(dir / "config.json", python_json_dumps(config));
  TrialCommand cmd = d.command(trial_id, config);
  slurm::write_file(dir / "slurm-job.sh", d.wrapper(trial_id, cmd.argv));
  // Same checkpoint folder; the submission waits until the paused job has left Slurm.
  d.enqueue(trial_id, std::move(cmd.env));
}

void SlurmBackend::pause(TrialId trial_id) { impl_->silence({trial_id}, /*is_stop=*/false); }
void SlurmBackend::stop(TrialId trial_id) { impl_->silence({trial_id}, /*is_stop=*/true); }

std::vector<BackendEvent> SlurmBackend::wait(double deadline) {
  auto& d = *impl_;
  d.cancel_stale_jobs();
  std::vector<BackendEvent> events = std::move(d.pending);
  d.pending.clear();
  for (;;) {
    double t = d.now();
    d.submit_queued(t, events);
    d.poll_files(events);
    if (t >= d.next_status) d.poll_squeue(events);
    t = d.now();
    if (!events.empty() || t >= deadline) break;
    double wake = std::min(deadline, t + d.opt.file_poll_interval);
    if (d.num_in_slurm() > 0) wake = std::min(wake, d.next_status);
    if (!d.queue.empty()) wake = std::min(wake, d.next_queue_try());
    if (!d.wait_for_files(wake - t)) break;  // a signal: let the tuner check its stop flag
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const BackendEvent& a, const BackendEvent& b) { return a.time < b.time; });
  return events;
}

double SlurmBackend::now() const { return impl_->now(); }

void SlurmBackend::stop_all() {
  auto& d = *impl_;
  std::vector<TrialId> ids;
  for (const auto& [id, j] : d.active) ids.push_back(id);
  for (const auto& q : d.queue) ids.push_back(q.trial);
  if (!ids.empty()) d.silence(ids, /*is_stop=*/true);
  d.cancel_stale_jobs();
  // Wait until Slurm has let go of every job (SIGKILL follows after the cluster's KillWait),
  // so that nothing of this experiment is left running or counted against the user.
  const double give_up = d.now() + 30.0;
  while (d.num_in_slurm() > 0 && d.now() < give_up) {
    d.next_status = 0;
    std::vector<BackendEvent> dropped;
    d.poll_squeue(dropped);
    if (d.num_in_slurm() == 0) break;
    ::usleep(100000);
  }
  d.pending.clear();
}

BackendCapabilities SlurmBackend::capabilities() const {
  return BackendCapabilities{.pause_resume = true, .warm_start = true, .simulated_time = false};
}

Json SlurmBackend::save_state() const {
  const auto& d = *impl_;
  Json s = Json::object();
  Json hist = Json::object();
  for (const auto& [tid, ids] : d.history) hist[std::to_string(tid)] = ids;
  s["job_ids"] = hist;
  Json live = Json::array();
  for (const auto& j : d.jobs)
    if (!j->done && !j->silenced && !j->id.empty())
      live.push_back({{"trial_id", j->trial}, {"job_id", j->id}, {"offset", j->line_offset}});
  s["running_jobs"] = live;
  return s;
}

void SlurmBackend::load_state(const Json& state) {
  auto& d = *impl_;
  if (!state.is_object()) return;
  if (state.contains("job_ids"))
    for (auto it = state["job_ids"].begin(); it != state["job_ids"].end(); ++it)
      d.history[std::stoll(it.key())] = it.value().get<std::vector<std::string>>();
  d.stale = state.value("running_jobs", Json::array());
}

std::vector<TrialId> SlurmBackend::reattach(const std::vector<TrialId>& running) {
  return impl_->reattach(running);
}

std::vector<std::string> SlurmBackend::job_ids(TrialId trial_id) const {
  auto it = impl_->history.find(trial_id);
  return it == impl_->history.end() ? std::vector<std::string>{} : it->second;
}

int SlurmBackend::num_jobs_in_slurm() const { return impl_->num_in_slurm(); }

}  // namespace synetune
