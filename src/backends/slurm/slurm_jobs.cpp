#include "backends/slurm/slurm_jobs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "backends/local/process.hpp"
#include "synetune/core/error.hpp"
#include "synetune/reporter.hpp"

namespace synetune {
namespace fs = std::filesystem;
using slurm::Job;

namespace slurm {

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f.flush()) throw StorageError("cannot write " + p.string());
}

}  // namespace slurm

namespace {

constexpr std::size_t kReadChunk = 1 << 16;

// Runs a Slurm client with stdout and stderr merged into `out`; the exit code, or -1 if it
// could not be run or timed out.
int run_cmd(std::vector<std::string> argv, const std::vector<std::string>& env, std::string& out,
            double timeout = 60.0) {
  argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1"});
  out.clear();
  int st = local::run_and_wait(argv, env, timeout, &out);
  if (st < 0 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

SlurmBackend::Impl::~Impl() {
  if (inotify_fd >= 0) ::close(inotify_fd);
}

void SlurmBackend::Impl::init() {
  inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);  // -1: polling only
  if (const char* t = std::getenv("SYNETUNE_SLURM_TRACE"); t && *t) trace_file = t;
}

void SlurmBackend::Impl::warn(TrialId id, const std::string& msg) const {
  std::cerr << "SlurmBackend: " << (id >= 0 ? "trial " + std::to_string(id) + ": " : "") << msg << '\n';
}

void SlurmBackend::Impl::trace(const std::string& line) const {
  if (trace_file.empty()) return;
  std::ofstream(trace_file, std::ios::app) << line << '\n';
}

int SlurmBackend::Impl::num_in_slurm() const {
  return static_cast<int>(std::count_if(jobs.begin(), jobs.end(),
                                        [](const auto& j) { return j->in_slurm; }));
}

std::vector<std::string> SlurmBackend::Impl::sbatch_argv(TrialId id) const {
  const fs::path dir = trial_path(id);
  std::vector<std::string> a = {opt.sbatch, "--parsable",
                                "--job-name=" + opt.job_name_prefix + "-" + std::to_string(id),
                                "--output=" + slurm_filename_pattern((dir / "std.out").string()),
                                "--error=" + slurm_filename_pattern((dir / "std.err").string()),
                                "--open-mode=append",
                                "--chdir=" + opt.working_dir.string()};
  if (!opt.partition.empty()) a.push_back("--partition=" + opt.partition);
  if (!opt.account.empty()) a.push_back("--account=" + opt.account);
  if (!opt.time_limit.empty()) a.push_back("--time=" + opt.time_limit);
  if (opt.cpus_per_task > 0) a.push_back("--cpus-per-task=" + std::to_string(opt.cpus_per_task));
  if (opt.gpus_per_trial > 0) a.push_back("--gres=gpu:" + std::to_string(opt.gpus_per_trial));
  a.insert(a.end(), opt.sbatch_options.begin(), opt.sbatch_options.end());
  return a;
}

bool SlurmBackend::Impl::is_queued(TrialId id) const {
  return std::any_of(queue.begin(), queue.end(), [&](const auto& q) { return q.trial == id; });
}

double SlurmBackend::Impl::next_queue_try() const {
  double t = std::numeric_limits<double>::infinity();
  for (const auto& q : queue) t = std::min(t, q.next_try);
  // Blocked by jobs still terminating: look at squeue soon rather than at the normal rate.
  return std::max(t, now() + 0.05);
}

void SlurmBackend::Impl::enqueue(TrialId id, std::vector<std::string> env) {
  queue.push_back(
      slurm::Queued{.trial = id, .env = std::move(env), .attempts = 0, .next_try = now(), .last_error = ""});
  submit_queued(now(), pending);
}

void SlurmBackend::Impl::submit_queued(double t, std::vector<BackendEvent>& out) {
  for (auto it = queue.begin(); it != queue.end();) {
    if (opt.max_jobs > 0 && num_in_slurm() >= opt.max_jobs) {
      next_status = std::min(next_status, t + 0.1);  // a stopped job may be gone already
      return;
    }
    const TrialId id = it->trial;
    const bool predecessor = std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) {
      return j->trial == id && j->in_slurm;
    });
    if (predecessor) {  // resume: the paused job must be gone before reusing its folder
      next_status = std::min(next_status, t + 0.1);
      ++it;
      continue;
    }
    if (it->next_try > t) {
      ++it;
      continue;
    }
    std::string error;
    bool permanent = false;
    std::error_code ec;
    const auto size = fs::file_size(trial_path(id) / "std.out", ec);
    const double submitted = now();
    std::string job_id = sbatch(*it, error, permanent);
    if (job_id.empty()) {
      ++it->attempts;
      if (permanent || it->attempts > opt.sbatch_retries) {
        BackendEvent ev;
        ev.kind = BackendEvent::Kind::kFailed;
        ev.trial_id = id;
        ev.time = now();
        ev.reason = "sbatch failed" + std::string(permanent ? "" : " " + std::to_string(it->attempts) + " times") +
                    ": " + error;
        out.push_back(std::move(ev));
        it = queue.erase(it);
      } else {
        it->next_try = t + opt.sbatch_backoff * std::pow(2.0, it->attempts - 1);
        warn(id, "sbatch failed (" + error + "); retrying in " +
                     python_float_repr(it->next_try - t) + " s");
        ++it;
      }
      continue;
    }
    auto j = std::make_unique<Job>();
    j->trial = id;
    j->id = job_id;
    j->offset = j->line_offset = ec ? 0 : size;
    j->submitted_at = submitted;
    history[id].push_back(job_id);
    trace("submit " + std::to_string(id) + " " + job_id + " " + python_float_repr(wall_time()));
    watch(id);
    active[id] = j.get();
    jobs.push_back(std::move(j));
    next_status = std::min(next_status, t + opt.status_interval);
    it = queue.erase(it);
  }
}

std::string SlurmBackend::Impl::sbatch(const slurm::Queued& q, std::string& error, bool& permanent) {
  std::vector<std::string> argv = sbatch_argv(q.trial);
  argv.push_back((trial_path(q.trial) / "slurm-job.sh").string());
  std::string out;
  int rc = run_cmd(argv, q.env, out);
  std::string id_text = rc == 0 ? parse_sbatch_job_id(out) : "";
  if (!id_text.empty()) return id_text;
  error = trim(out);
  if (rc < 0) error = "could not run '" + opt.sbatch + "' (is Slurm installed, on PATH, and SLURM_CONF set?)" +
                      (error.empty() ? "" : ": " + error);
  else if (error.empty()) error = "exit code " + std::to_string(rc) + " and no job id";
  // Configuration errors do not go away by retrying.
  permanent = out.find("nvalid") != std::string::npos || out.find("unrecognized option") != std::string::npos ||
              out.find("Unable to open file") != std::string::npos;
  return "";
}

void SlurmBackend::Impl::read_output(Job& j, std::vector<BackendEvent>& out, bool final) {
  const fs::path file = trial_path(j.trial) / "std.out";
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string buf(kReadChunk, '\0');
    for (;;) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(j.offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (const void* nl = ::memrchr(buf.data(), '\n', static_cast<std::size_t>(n)))
        j.line_offset = j.offset + static_cast<std::uintmax_t>(static_cast<const char*>(nl) - buf.data()) + 1;
      j.offset += static_cast<std::uintmax_t>(n);
      j.parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), metrics_tmp, warnings_tmp);
    }
    ::close(fd);
  }
  if (final) j.parser.finish(metrics_tmp, warnings_tmp);
  if (!j.silenced) {
    const double wall = wall_time();
    for (auto& m : metrics_tmp) {
      BackendEvent ev;
      ev.kind = BackendEvent::Kind::kResult;
      ev.trial_id = j.trial;
      ev.time = now();
      ev.result = Result::from_json(j.trial, m);
      if (!trace_file.empty() && m.contains("st_worker_timestamp") && m["st_worker_timestamp"].is_number())
        trace("result " + std::to_string(j.trial) + " " + j.id + " " + python_float_repr(wall) + " " +
              python_float_repr(m["st_worker_timestamp"].get<double>()));
      out.push_back(std::move(ev));
    }
    for (const auto& w : warnings_tmp) warn(j.trial, w);
    // What the tuner has been given (and journaled): a re-attaching tuner continues after it
    // instead of at the last checkpoint, which would repeat results.
    if (!metrics_tmp.empty()) {
      const fs::path f = trial_path(j.trial) / ("slurm-" + j.id + ".offset");
      try {
        slurm::write_file(f.string() + ".tmp", std::to_string(j.line_offset));
        fs::rename(f.string() + ".tmp", f);
      } catch (const std::exception& e) {
        warn(j.trial, e.what());
      }
    }
  }
  metrics_tmp.clear();
  warnings_tmp.clear();
}

void SlurmBackend::Impl::poll_files(std::vector<BackendEvent>& out) {
  for (auto& jp : jobs) {
    Job& j = *jp;
    if (j.done || j.silenced) continue;
    read_output(j, out, false);
    const fs::path exit_file = trial_path(j.trial) / ("slurm-" + j.id + ".exit");
    std::ifstream in(exit_file);
    int rc = 0;
    if (in >> rc) {
      finish_job(j, rc, out);
    } else if (j.left_slurm_at >= 0 && now() - j.left_slurm_at >= opt.exit_file_grace) {
      std::string reason = "Slurm job " + j.id + " ended without an exit code from the trial";
      if (!j.last_state.empty()) reason += " (JobState=" + j.last_state + (j.last_reason.empty() || j.last_reason == "None" ? "" : ", Reason=" + j.last_reason) + ")";
      std::string more = describe_job(j.id);
      if (!more.empty()) reason += "; " + more;
      reason += " (node failure, time limit, cancelled outside the tuner, or out of memory)";
      fail_job(j, reason, out);
    }
  }
  collect_garbage();
}

void SlurmBackend::Impl::finish_job(Job& j, int rc, std::vector<BackendEvent>& out) {
  read_output(j, out, true);
  j.done = true;
  unwatch(j.trial);
  try {
    slurm::write_file(trial_path(j.trial) / "end", python_float_repr(wall_time()));
  } catch (const StorageError& e) {
    warn(j.trial, e.what());
  }
  if (auto it = active.find(j.trial); it != active.end() && it->second == &j) active.erase(it);
  BackendEvent ev;
  ev.trial_id = j.trial;
  ev.time = now();
  if (rc == 0) {
    ev.kind = BackendEvent::Kind::kCompleted;
  } else {
    ev.kind = BackendEvent::Kind::kFailed;
    ev.reason = "exit code " + std::to_string(rc) + " (Slurm job " + j.id + ")";
    std::string tail = stderr_tail(j.trial);
    if (!tail.empty()) ev.reason += "; last lines of std.err:\n" + tail;
  }
  out.push_back(std::move(ev));
}

void SlurmBackend::Impl::fail_job(Job& j, const std::string& reason, std::vector<BackendEvent>& out) {
  read_output(j, out, true);
  j.done = true;
  unwatch(j.trial);
  if (auto it = active.find(j.trial); it != active.end() && it->second == &j) active.erase(it);
  BackendEvent ev;
  ev.kind = BackendEvent::Kind::kFailed;
  ev.trial_id = j.trial;
  ev.time = now();
  ev.reason = reason;
  out.push_back(std::move(ev));
}

void SlurmBackend::Impl::poll_squeue(std::vector<BackendEvent>& out) {
  (void)out;
  std::vector<std::string> ids;
  for (const auto& j : jobs)
    if (j->in_slurm) ids.push_back(j->id);
  next_status = now() + opt.status_interval;
  if (ids.empty()) return;
  std::string text;
  int rc = run_cmd({opt.squeue, "-h", "-t", "all", "-j", join(ids, ","), "-o", "%i|%T|%r"},
                   local::current_environment(), text, 30.0);
  const bool all_unknown = rc != 0 && text.find("Invalid job id") != std::string::npos;
  if (rc != 0 && !all_unknown) {
    // slurmctld down or restarting: keep the jobs and ask again later.
    if (now() - last_squeue_warning > 30.0) {
      warn(-1, "squeue failed (" + trim(text) + "); retrying");
      last_squeue_warning = now();
    }
    return;
  }
  auto states = all_unknown ? decltype(parse_squeue(text)){} : parse_squeue(text);
  const double t = now();
  for (auto& j : jobs) {
    if (!j->in_slurm) continue;
    auto it = states.find(j->id);
    if (it != states.end()) {
      j->last_state = it->second.first;
      j->last_reason = it->second.second;
      if (!slurm_state_is_terminal(j->last_state)) continue;
    }
    j->in_slurm = false;
    if (!j->done && !j->silenced) j->left_slurm_at = t;  // poll_files decides (exit file or grace)
  }
  collect_garbage();
}

bool SlurmBackend::Impl::wait_for_files(double seconds) {
  int ms = seconds <= 0 ? 0 : static_cast<int>(std::min(std::ceil(seconds * 1000.0), double(INT_MAX)));
  if (inotify_fd < 0) {
    ::usleep(static_cast<useconds_t>(ms) * 1000);
    return true;
  }
  pollfd p{inotify_fd, POLLIN, 0};
  int n = ::poll(&p, 1, ms);
  if (n < 0) return errno != EINTR;
  if (n > 0) {
    alignas(inotify_event) char buf[4096];
    while (::read(inotify_fd, buf, sizeof buf) > 0) {
    }
  }
  return true;
}

void SlurmBackend::Impl::watch(TrialId id) {
  if (inotify_fd < 0 || watches.count(id)) return;
  int wd = ::inotify_add_watch(inotify_fd, trial_path(id).c_str(),
                               IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO);
  if (wd >= 0) watches[id] = wd;
}

void SlurmBackend::Impl::unwatch(TrialId id) {
  auto it = watches.find(id);
  if (it == watches.end()) return;
  ::inotify_rm_watch(inotify_fd, it->second);
  watches.erase(it);
}

void SlurmBackend::Impl::silence(const std::vector<TrialId>& ids, bool is_stop) {
  std::vector<std::string> cancel;
  for (TrialId id : ids) {
    try {
      slurm::write_file(trial_path(id) / (is_stop ? "stop" : "pause"), "");
    } catch (const StorageError& e) {
      warn(id, e.what());
    }
    std::erase_if(queue, [&](const auto& q) { return q.trial == id; });
    auto it = active.find(id);
    if (it == active.end()) continue;
    Job& j = *it->second;
    active.erase(it);
    j.silenced = true;
    unwatch(id);
    if (j.in_slurm) cancel.push_back(j.id);
  }
  scancel(cancel);
}

void SlurmBackend::Impl::scancel(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> argv = {opt.scancel};
  argv.insert(argv.end(), ids.begin(), ids.end());
  std::string text;
  if (run_cmd(argv, local::current_environment(), text, 30.0) != 0)
    warn(-1, "scancel " + join(ids, " ") + " failed: " + trim(text));
  next_status = std::min(next_status, now() + 0.1);  // learn soon that the slots are free
}

std::string SlurmBackend::Impl::describe_job(const std::string& job_id) const {
  std::string text;
  if (run_cmd({opt.scontrol, "show", "job", "-o", job_id}, local::current_environment(), text, 10.0) != 0)
    return "";
  std::string desc;
  for (const char* key : {"JobState=", "Reason=", "ExitCode="}) {
    auto p = text.find(std::string(" ") + key);
    if (p == std::string::npos) continue;
    auto e = text.find(' ', p + 1);
    desc += (desc.empty() ? "" : " ") + text.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1);
  }
  return trim(desc);
}

std::string SlurmBackend::Impl::stderr_tail(TrialId id) const {
  std::ifstream in(trial_path(id) / "std.err", std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - 8192));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  std::istringstream ls(text);
  for (std::string l; std::getline(ls, l);)
    if (!l.empty()) lines.push_back(l);
  const std::size_t from = lines.size() > 20 ? lines.size() - 20 : 0;
  return join(std::vector<std::string>(lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end()), "\n");
}

void SlurmBackend::Impl::collect_garbage() {
  std::erase_if(jobs, [](const auto& j) { return !j->in_slurm && (j->done || j->silenced); });
}

std::vector<TrialId> SlurmBackend::Impl::reattach(const std::vector<TrialId>& running) {
  std::vector<TrialId> lost;
  for (TrialId id : running) {
    const Json* rec = nullptr;
    for (const auto& s : stale)
      if (s.value("trial_id", TrialId{-1}) == id) rec = &s;
    if (!rec) {
      lost.push_back(id);
      continue;
    }
    auto j = std::make_unique<Job>();
    j->trial = id;
    j->id = (*rec)["job_id"].get<std::string>();
    j->offset = (*rec).value("offset", std::uintmax_t{0});
    std::ifstream delivered(trial_path(id) / ("slurm-" + j->id + ".offset"));
    std::uintmax_t off = 0;
    if (delivered >> off) j->offset = std::max(j->offset, off);
    j->line_offset = j->offset;
    active[id] = j.get();
    watch(id);
    jobs.push_back(std::move(j));
  }
  Json keep = Json::array();
  for (const auto& s : stale)
    if (std::find(running.begin(), running.end(), s.value("trial_id", TrialId{-1})) == running.end())
      keep.push_back(s);
  stale = std::move(keep);
  cancel_stale_jobs();
  // The first squeue tells whether the re-attached jobs still exist; if not (and no exit
  // file) they fail after the grace period with Slurm's reason.
  next_status = 0;
  return lost;
}

void SlurmBackend::Impl::cancel_stale_jobs() {
  if (stale.empty()) return;
  std::vector<std::string> ids;
  for (const auto& s : stale) {
    ids.push_back(s["job_id"].get<std::string>());
    try {
      slurm::write_file(trial_path(s["trial_id"].get<TrialId>()) / "stop", "");
    } catch (const StorageError&) {
    }
  }
  stale = Json::array();
  warn(-1, "cancelling Slurm jobs of the interrupted run: " + join(ids, " "));
  scancel(ids);
}

}  // namespace synetune
