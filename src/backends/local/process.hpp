#pragma once
// Process helpers for the LocalBackend (Linux): spawning without a shell into a new process
// group with stdout/stderr on non-blocking pipes, and a pidfd to learn of the exit in epoll.
#include <sys/types.h>

#include <string>
#include <vector>

namespace synetune::local {

struct SpawnedProcess {
  pid_t pid = -1;
  int pidfd = -1;   // readable once the process exits
  int out_fd = -1;  // read end of the child's stdout (non-blocking, close-on-exec)
  int err_fd = -1;  // read end of the child's stderr
};

/// Starts `argv` with environment `env` ("K=V" strings), stdin from /dev/null, in its own
/// process group, in directory `cwd` (empty: ours). `search_path`: look argv[0] up on PATH
/// (for an interpreter name). Returns 0 or the errno of the failure (e.g. ENOENT, EACCES);
/// nothing leaks on failure.
int spawn_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  bool search_path, SpawnedProcess& out, const std::string& cwd = "");

/// pidfd_open(2); -1 if unsupported.
int open_pidfd(pid_t pid);

/// Runs argv (PATH lookup), discards its output, and returns its exit status (-1 if it could
/// not be started or did not finish within `timeout_s`, in which case it is killed).
/// With `capture`, stdout is stored there.
int run_and_wait(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 double timeout_s, std::string* capture = nullptr);

/// "exit code 3" / "killed by signal 9" for a waitpid status.
std::string describe_wait_status(int status);

/// Some member of process group `pgid` has not exited yet. Zombies count as exited: they hold
/// no memory or GPU, and an init that does not reap would keep them forever.
bool group_has_live_member(pid_t pgid);

/// The current environment as "K=V" strings.
std::vector<std::string> current_environment();

}  // namespace synetune::local
