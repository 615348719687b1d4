#include "backends/local/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

extern char** environ;

namespace synetune::local {
namespace {

std::vector<char*> to_cstrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void close_if(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

int spawn_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  bool search_path, SpawnedProcess& out, const std::string& cwd) {
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return errno;
  if (::pipe2(err_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    int e = errno;
    close_if(out_pipe[0]);
    close_if(out_pipe[1]);
    return e;
  }
  // The child's ends must be blocking: a training script's print() must not fail with EAGAIN.
  ::fcntl(out_pipe[1], F_SETFL, 0);
  ::fcntl(err_pipe[1], F_SETFL, 0);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);  // dup2 clears close-on-exec
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  // In the child, before exec: the tuner's own directory never changes (glibc >= 2.29).
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (pgid = pid), so stop/pause can signal the whole tree. Default signal
  // dispositions and an empty mask, whatever the tuner installed for itself.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  auto cargv = to_cstrings(argv);
  auto cenv = to_cstrings(env);
  pid_t pid = -1;
  int rc = search_path ? ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data())
                       : ::posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close_if(out_pipe[1]);
  close_if(err_pipe[1]);
  if (rc != 0) {
    close_if(out_pipe[0]);
    close_if(err_pipe[0]);
    return rc;
  }
  out.pid = pid;
  out.pidfd = open_pidfd(pid);
  out.out_fd = out_pipe[0];
  out.err_fd = err_pipe[0];
  if (out.pidfd < 0) {  // kernel < 5.3: cannot wait without polling; refuse clearly
    int e = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    close_if(out.out_fd);
    close_if(out.err_fd);
    return e;
  }
  return 0;
}

int run_and_wait(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 double timeout_s, std::string* capture) {
  SpawnedProcess p;
  if (spawn_process(argv, env, /*search_path=*/true, p) != 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  bool exited = false;
  bool open[2] = {true, true};
  char buf[4096];
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd fds[3] = {{p.pidfd, POLLIN, 0}, {open[0] ? p.out_fd : -1, POLLIN, 0},
                     {open[1] ? p.err_fd : -1, POLLIN, 0}};
    if (::poll(fds, 3, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (!open[i]) continue;
      ssize_t n;
      while ((n = ::read(i == 0 ? p.out_fd : p.err_fd, buf, sizeof buf)) > 0)
        if (capture && i == 0) capture->append(buf, static_cast<std::size_t>(n));
      if (n == 0) open[i] = false;  // EOF: stop polling it (POLLHUP would spin)
    }
    if (fds[0].revents & POLLIN) exited = true;
  }
  int status = -1;
  if (!exited) ::kill(-p.pid, SIGKILL);
  ::waitpid(p.pid, &status, 0);
  ::close(p.pidfd);
  ::close(p.out_fd);
  ::close(p.err_fd);
  if (!exited) return -1;
  return status;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "unknown exit status " + std::to_string(status);
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

bool group_has_live_member(pid_t pgid) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0, pgrp = 0;
    if (!(fields >> state >> ppid >> pgrp)) continue;
    if (pgrp == pgid && state != "Z" && state != "X") return true;
  }
  return false;
}

}  // namespace synetune::local
