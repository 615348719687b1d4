#include "synetune/backends/local_backend.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "backends/local/metric_line_parser.hpp"
#include "backends/local/process.hpp"
#include "backends/local/gpu_rotation.hpp"
#include "synetune/core/error.hpp"
#include "synetune/reporter.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kErrTailBytes = 8192;
constexpr int kErrTailLines = 20;
constexpr double kInf = std::numeric_limits<double>::infinity();
enum FdKind { kPidfd = 0, kOut = 1, kErr = 2 };

void write_file(const fs::path& p, std::string_view text) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StorageError("cannot write " + p.string() + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) throw StorageError("cannot write " + p.string());
}

// Field 22 of /proc/<pid>/stat (clock ticks after boot): with the pid, names one process
// for good, as pids are reused. 0 if there is no such process, or it is a zombie.
unsigned long long process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string state, field;
  fields >> state;
  if (state == "Z" || state == "X") return 0;
  for (int i = 4; i < 22 && fields >> field; ++i) {
  }
  unsigned long long start = 0;
  fields >> start;
  return start;
}

std::string last_lines(const std::string& text, int n) {
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  if (end == 0) return "";
  std::size_t pos = end;
  for (int i = 0; i < n && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text.substr(0, end);
  }
  return text.substr(pos + 1, end - pos - 1);
}

}  // namespace

struct LocalBackend::Impl {
  struct Proc {
    TrialId trial_id = -1;
    std::uint64_t serial = 0;      // unique per spawn; epoll events carry (serial, kind)
    pid_t pid = -1;
    int fds[3] = {-1, -1, -1};     // pidfd, stdout pipe, stderr pipe
    int files[2] = {-1, -1};       // std.out, std.err (append)
    local::MetricLineParser parser;
    std::string err_tail;
    bool silenced = false;         // paused / stopped: drop results and the exit
    bool stopped = false;
    bool reaped = false;
    double kill_deadline = kInf;   // SIGKILL to the group at this time unless done
    std::vector<int> gpus;
  };

  LocalBackendOptions opt;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  fs::path tuner_path;
  int epfd = -1;
  std::vector<std::unique_ptr<Proc>> procs;
  // Epoll events name a process by serial, never by pointer: an event can outlive its Proc
  // (see close_fd), and a new Proc may sit at the same address.
  std::unordered_map<std::uint64_t, Proc*> by_serial;
  std::uint64_t next_serial = 1;
  std::unordered_map<TrialId, Proc*> active;  // current, reporting process per trial
  std::vector<TrialId> started;                // every trial id seen, for delete_checkpoints
  std::vector<BackendEvent> pending;           // spawn failures, delivered by the next wait()
  // Built at the first start, not in the constructor: they run python and nvidia-smi.
  std::optional<local::GpuRotation> gpus;
  std::optional<TrialCommandOptions> launch;  // opt's, our Python package resolved
  Json pending_gpu_state;
  std::vector<char> buf = std::vector<char>(1 << 16);
  std::vector<Json> metrics_tmp;  // reused across reads: no allocation per line
  std::vector<std::string> warnings_tmp;

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  fs::path trial_path(TrialId id) const { return tuner_path / std::to_string(id); }
  void warn(TrialId id, const std::string& msg) const {
    std::cerr << "LocalBackend: trial " << id << ": " << msg << '\n';
  }

  void prepare_launches() {
    if (launch) return;
    launch = resolve_python_package(opt);
    gpus.emplace(opt);
    if (!pending_gpu_state.is_null()) gpus->load_state(pending_gpu_state);
  }

  // `<trial>/pid`: the trial's process group and its start time, so that a later tuner (a
  // resume after this one was killed) can tell the trial's processes from a reused pid and
  // stop what still runs before restarting the trial.
  static void record_process(const fs::path& dir, pid_t pid) {
    std::ofstream(dir / "pid") << pid << ' ' << process_start_time(pid) << '\n';
  }

  void close_fd(Proc& p, int kind) {
    if (p.fds[kind] < 0) return;
    // Explicit DEL: close() alone keeps the registration while another process holds a copy of
    // the descriptor, e.g. a child just spawned that has not yet run close-on-exec. Such a
    // stale registration fired "exit" for whichever trial later reused the Proc's memory.
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, p.fds[kind], nullptr);
    ::close(p.fds[kind]);
    p.fds[kind] = -1;
  }

  void spawn(TrialId id, const Config& config) {
    prepare_launches();
    auto p = std::make_unique<Proc>();
    p->trial_id = id;
    p->gpus = gpus->allocate();
    const fs::path dir = trial_path(id);
    const TrialCommand cmd = make_trial_command(*launch, config, dir, gpus->physical(p->gpus));
    const std::vector<std::string>& argv = cmd.argv;
    p->files[0] = ::open((dir / "std.out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    p->files[1] = ::open((dir / "std.err").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    local::SpawnedProcess sp;
    int rc = local::spawn_process(argv, cmd.env, /*search_path=*/argv[0].find('/') == std::string::npos, sp,
                                  cmd.working_dir.string());
    if (rc != 0) {
      for (int f : p->files)
        if (f >= 0) ::close(f);
      gpus->release(p->gpus);
      BackendEvent ev;
      ev.kind = BackendEvent::Kind::kFailed;
      ev.trial_id = id;
      ev.time = now();
      ev.reason = "could not start '" + argv[0] + "': " + std::strerror(rc) +
                  " (check that the entry point exists and is executable, or that the "
                  "interpreter is installed)";
      pending.push_back(std::move(ev));
      return;
    }
    record_process(dir, sp.pid);
    p->pid = sp.pid;
    p->fds[kPidfd] = sp.pidfd;
    p->fds[kOut] = sp.out_fd;
    p->fds[kErr] = sp.err_fd;
    p->serial = next_serial++;
    for (int k = 0; k < 3; ++k) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = (p->serial << 2) | static_cast<std::uint64_t>(k);
      ::epoll_ctl(epfd, EPOLL_CTL_ADD, p->fds[k], &ev);
    }
    by_serial[p->serial] = p.get();
    active[id] = p.get();
    procs.push_back(std::move(p));
  }

  void deliver(Proc& p, std::vector<BackendEvent>& out) {
    if (!p.silenced) {  // results after a pause / stop decision are dropped
      for (auto& j : metrics_tmp) {
        BackendEvent ev;
        ev.kind = BackendEvent::Kind::kResult;
        ev.trial_id = p.trial_id;
        ev.time = now();
        ev.result = Result::from_json(p.trial_id, j);
        out.push_back(std::move(ev));
      }
      for (const auto& w : warnings_tmp) warn(p.trial_id, w);
    }
    metrics_tmp.clear();
    warnings_tmp.clear();
  }

  void flush_partial_line(Proc& p, std::vector<BackendEvent>& out) {
    p.parser.finish(metrics_tmp, warnings_tmp);
    deliver(p, out);
  }

  // Reads once (or, when `drain`, until EOF / EAGAIN); returns false at EOF or error.
  bool read_pipe(Proc& p, int kind, bool drain, std::vector<BackendEvent>& out) {
    // Drain is bounded by time: a grandchild holding the pipe open and writing without pause
    // could otherwise keep us here forever. A dead child's output (at most a pipe buffer) takes
    // far less.
    const double give_up = drain ? now() + 1.0 : kInf;
    while (p.fds[kind] >= 0) {
      ssize_t n = ::read(p.fds[kind], buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) {
        close_fd(p, kind);
        if (kind == kOut) flush_partial_line(p, out);
        return false;
      }
      const auto len = static_cast<std::size_t>(n);
      int file = p.files[kind - 1];
      if (file >= 0 && ::write(file, buf.data(), len) < 0) {
        warn(p.trial_id, std::string("cannot append to its log file: ") + std::strerror(errno));
        ::close(file);
        p.files[kind - 1] = -1;
      }
      if (kind == kOut) {
        p.parser.feed(std::string_view(buf.data(), len), metrics_tmp, warnings_tmp);
        deliver(p, out);
      } else {
        p.err_tail.append(buf.data(), len);
        if (p.err_tail.size() > 2 * kErrTailBytes) p.err_tail.erase(0, p.err_tail.size() - kErrTailBytes);
      }
      if (!drain || now() > give_up) return true;
    }
    return p.fds[kind] >= 0;
  }

  // Reaps `p` and drains its pipes; `block`: wait for the exit (after SIGKILL). Without it, a
  // process that has not exited is left alone (false).
  bool handle_exit(Proc& p, std::vector<BackendEvent>& out, bool block) {
    int status = 0;
    pid_t r;
    do r = ::waitpid(p.pid, &status, block ? 0 : WNOHANG); while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    // Drain only now: the child is gone, so everything it wrote is in the pipes (draining
    // before waitpid lost what it wrote between the drain and its exit).
    read_pipe(p, kOut, true, out);
    read_pipe(p, kErr, true, out);
    flush_partial_line(p, out);
    p.reaped = true;
    for (int k = 0; k < 3; ++k) close_fd(p, k);
    for (int& f : p.files)
      if (f >= 0) ::close(f), f = -1;
    const fs::path dir = trial_path(p.trial_id);
    try {
      const auto wall = std::chrono::system_clock::now().time_since_epoch();
      write_file(dir / "end", python_float_repr(std::chrono::duration<double>(wall).count()));
    } catch (const StorageError& e) {
      warn(p.trial_id, e.what());
    }
    if (gpus) gpus->release(p.gpus);
    auto it = active.find(p.trial_id);
    if (it != active.end() && it->second == &p) active.erase(it);
    const bool ok = r == p.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (opt.delete_checkpoints && ((ok && !p.silenced) || p.stopped)) {
      std::error_code ec;
      fs::remove_all(dir / "checkpoints", ec);
    }
    if (p.silenced) {
      // Keep the SIGKILL deadline only while other members of the group are still alive.
      if (p.kill_deadline != kInf && ::kill(-p.pid, 0) != 0) p.kill_deadline = kInf;
      return true;
    }
    BackendEvent ev;
    ev.trial_id = p.trial_id;
    ev.time = now();
    if (ok) {
      ev.kind = BackendEvent::Kind::kCompleted;
    } else {
      ev.kind = BackendEvent::Kind::kFailed;
      ev.reason = r == p.pid ? local::describe_wait_status(status)
                             : "exit status unavailable (is SIGCHLD ignored?)";
      std::string tail = last_lines(p.err_tail, kErrTailLines);
      if (!tail.empty()) ev.reason += "; last lines of std.err:\n" + tail;
    }
    out.push_back(std::move(ev));
    return true;
  }

  // One epoll_wait; handles what is ready. False if a signal interrupted it.
  bool poll_once(int timeout_ms, std::vector<BackendEvent>& out) {
    epoll_event evs[64];
    int n = ::epoll_wait(epfd, evs, 64, timeout_ms);
    if (n < 0) return errno != EINTR;
    for (int i = 0; i < n; ++i) {
      const int kind = static_cast<int>(evs[i].data.u64 & 3);
      auto it = by_serial.find(evs[i].data.u64 >> 2);
      if (it == by_serial.end()) continue;  // its process is gone
      Proc& p = *it->second;
      if (p.reaped || p.fds[kind] < 0) continue;  // stale: handled earlier in this batch
      if (kind == kPidfd) handle_exit(p, out, /*block=*/false);
      else read_pipe(p, kind, false, out);
    }
    return true;
  }

  // SIGKILLs groups whose grace period is over; returns the next kill deadline.
  double enforce_kills(double t) {
    double next = kInf;
    for (auto& p : procs) {
      if (p->kill_deadline == kInf) continue;
      if (p->kill_deadline <= t) {
        ::kill(-p->pid, SIGKILL);  // the group id stays valid while a member lives
        p->kill_deadline = kInf;
      } else {
        next = std::min(next, p->kill_deadline);
      }
    }
    return next;
  }

  void collect_garbage() {
    std::erase_if(procs, [this](const auto& p) {
      if (!p->reaped || p->kill_deadline != kInf) return false;
      by_serial.erase(p->serial);
      return true;
    });
  }

  void silence(TrialId id, bool is_stop) {
    try {
      write_file(trial_path(id) / (is_stop ? "stop" : "pause"), "");
    } catch (const StorageError& e) {
      warn(id, e.what());
    }
    auto it = active.find(id);
    if (it == active.end()) return;
    Proc& p = *it->second;
    active.erase(it);
    p.silenced = true;
    p.stopped = is_stop;
    if (opt.kill_grace_period <= 0) {
      ::kill(-p.pid, SIGKILL);
    } else {
      ::kill(-p.pid, SIGTERM);
      p.kill_deadline = now() + opt.kill_grace_period;
    }
  }

  static int timeout_ms(double seconds) {
    if (seconds == kInf) return -1;
    if (seconds <= 0) return 0;
    return static_cast<int>(std::min(std::ceil(seconds * 1000.0), double(INT_MAX)));
  }
};

LocalBackend::LocalBackend(LocalBackendOptions options) : impl_(std::make_unique<Impl>()) {
  validate_trial_command_options(options, "LocalBackend");
  if (options.num_gpus_per_trial < 1)
    throw InvalidArgument("LocalBackend: num_gpus_per_trial must be >= 1, got " +
                          std::to_string(options.num_gpus_per_trial));
  if (!(options.kill_grace_period >= 0))
    throw InvalidArgument("LocalBackend: kill_grace_period must be >= 0 seconds");
  impl_->opt = std::move(options);
  impl_->epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (impl_->epfd < 0) throw BackendError(std::string("epoll_create1: ") + std::strerror(errno));
}

LocalBackend::~LocalBackend() {
  try {
    stop_all();
  } catch (...) {
  }
  ::close(impl_->epfd);
}

void LocalBackend::set_tuner_path(const fs::path& tuner_path) {
  impl_->tuner_path = tuner_path;
  std::error_code ec;
  fs::create_directories(tuner_path, ec);
  if (ec) throw StorageError("cannot create " + tuner_path.string() + ": " + ec.message());
}

fs::path LocalBackend::trial_path(TrialId trial_id) const { return impl_->trial_path(trial_id); }

std::vector<std::string> LocalBackend::trial_argv(TrialId trial_id, const Config& config) const {
  return make_trial_command(impl_->opt, config, impl_->trial_path(trial_id)).argv;
}

void LocalBackend::start(TrialId trial_id, const Config& config,
                         std::optional<TrialId> warm_start_from) {
  auto& d = *impl_;
  if (d.tuner_path.empty())
    throw InvalidArgument("LocalBackend: call set_tuner_path() before starting trials");
  if (d.active.count(trial_id))
    throw InvalidArgument("LocalBackend: trial " + std::to_string(trial_id) + " is already running");
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
  write_file(dir / "config.json", python_json_dumps(config));
  d.started.push_back(trial_id);
  d.spawn(trial_id, config);
}

void LocalBackend::pause(TrialId trial_id) { impl_->silence(trial_id, /*is_stop=*/false); }
void LocalBackend::stop(TrialId trial_id) { impl_->silence(trial_id, /*is_stop=*/true); }

void LocalBackend::resume(TrialId trial_id, const Config& config) {
  auto& d = *impl_;
  if (d.tuner_path.empty())
    throw InvalidArgument("LocalBackend: call set_tuner_path() before resuming trials");
  if (d.active.count(trial_id))
    throw InvalidArgument("LocalBackend: cannot resume trial " + std::to_string(trial_id) +
                          ": it is running (pause it first)");
  // A predecessor still in its grace period must be gone before the new process uses the
  // same checkpoint folder and log files.
  std::vector<BackendEvent> dropped;
  for (auto& p : d.procs)
    if (p->trial_id == trial_id && !p->reaped) {
      ::kill(-p->pid, SIGKILL);
      p->kill_deadline = kInf;
      d.handle_exit(*p, dropped, /*block=*/true);
    }
  d.collect_garbage();
  const fs::path dir = d.trial_path(trial_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::remove(dir / "pause", ec);
  write_file(dir / "config.json", python_json_dumps(config));
  if (std::find(d.started.begin(), d.started.end(), trial_id) == d.started.end())
    d.started.push_back(trial_id);
  d.spawn(trial_id, config);
}

std::vector<BackendEvent> LocalBackend::wait(double deadline) {
  auto& d = *impl_;
  std::vector<BackendEvent> events = std::move(d.pending);
  d.pending.clear();
  for (;;) {
    const double t = d.now();
    const double next_kill = d.enforce_kills(t);
    if (!events.empty()) {
      d.poll_once(0, events);  // pick up whatever else is ready, without blocking
      break;
    }
    if (t >= deadline) {
      d.poll_once(0, events);  // a past deadline still reports what is ready
      break;
    }
    // A signal (Ctrl-C) returns control to the tuner so that it can check its stop flag.
    if (!d.poll_once(Impl::timeout_ms(std::min(deadline, next_kill) - t), events)) break;
    if (!events.empty()) break;
  }
  d.collect_garbage();
  return events;
}

double LocalBackend::now() const { return impl_->now(); }

void LocalBackend::stop_all() {
  auto& d = *impl_;
  std::vector<TrialId> ids;
  for (const auto& [id, p] : d.active) ids.push_back(id);
  for (TrialId id : ids) d.silence(id, /*is_stop=*/true);
  // Reap everything: SIGTERM went out above; SIGKILL follows at the grace deadline.
  const double give_up = d.now() + d.opt.kill_grace_period + 5.0;
  std::vector<BackendEvent> dropped;
  for (;;) {
    const double t = d.now();
    const double next_kill = d.enforce_kills(t);
    bool alive = std::any_of(d.procs.begin(), d.procs.end(), [](const auto& p) { return !p->reaped; });
    if (!alive) {  // only orphaned group members left: no reason to give them more time
      for (auto& p : d.procs)
        if (p->kill_deadline != kInf) ::kill(-p->pid, SIGKILL);
      break;
    }
    if (t >= give_up) {
      for (auto& p : d.procs)
        if (!p->reaped) {
          ::kill(-p->pid, SIGKILL);
          p->kill_deadline = kInf;
          d.handle_exit(*p, dropped, /*block=*/true);
        }
      break;
    }
    d.poll_once(Impl::timeout_ms(std::min(give_up, next_kill) - t), dropped);
  }
  for (auto& p : d.procs) p->kill_deadline = kInf;
  d.collect_garbage();
  d.pending.clear();
  if (d.opt.delete_checkpoints) {
    std::error_code ec;
    for (TrialId id : d.started) fs::remove_all(d.trial_path(id) / "checkpoints", ec);
  }
}

std::vector<TrialId> LocalBackend::reattach(const std::vector<TrialId>& running) {
  // A killed tuner leaves its trials running until they next print. They cannot be
  // re-attached (their stdout pipe went with the tuner), so they are stopped before being
  // restarted from their checkpoints: no two processes train one trial, nor hold its GPU.
  for (TrialId id : running) {
    std::ifstream in(trial_path(id) / "pid");
    pid_t pid = 0;
    unsigned long long start = 0;
    if (!(in >> pid >> start) || pid <= 1 || start == 0 || process_start_time(pid) != start) continue;
    ::kill(-pid, SIGKILL);
    // SIGKILL is delivered at once but exiting takes a moment (freeing memory, a GPU context):
    // wait until every member of the group, the script's children too, has gone.
    for (int i = 0; i < 1000 && local::group_has_live_member(pid); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::cerr << "[synetune] stopped trial " << id << "'s process " << pid
              << ", left running by the previous tuner; it restarts from its checkpoint\n";
  }
  return running;
}

BackendCapabilities LocalBackend::capabilities() const {
  return BackendCapabilities{.pause_resume = true, .warm_start = true, .simulated_time = false};
}

Json LocalBackend::save_state() const {
  Json s = Json::object();
  if (impl_->gpus) s["gpus"] = impl_->gpus->state();
  return s;
}

void LocalBackend::load_state(const Json& state) {
  if (!state.is_object() || !state.contains("gpus")) return;
  if (impl_->gpus) impl_->gpus->load_state(state["gpus"]);
  else impl_->pending_gpu_state = state["gpus"];
}

int LocalBackend::num_processes() const {
  return static_cast<int>(std::count_if(impl_->procs.begin(), impl_->procs.end(),
                                        [](const auto& p) { return !p->reaped; }));
}

const LocalBackendOptions& LocalBackend::options() const { return impl_->opt; }

}  // namespace synetune
