#include "tuner/background_saver.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace synetune {

BackgroundSaver::~BackgroundSaver() { reap(true); }

bool BackgroundSaver::busy() {
  if (child_ < 0) return false;
  if (std::string err = reap(false); !err.empty())
    std::cerr << "[synetune] warning: a periodic save failed: " << err << "\n";
  return child_ >= 0;
}

bool BackgroundSaver::run_async(const Job& job) {
  if (busy()) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {  // no memory for a child: save here rather than not at all
    run_now(job);
    return true;
  }
  if (pid == 0) {
    // The child: never return into the tuner, never flush the parent's stdio buffers (the
    // journal's buffer would be written twice): _exit only.
    int code = 0;
    try {
      job();
    } catch (const std::exception& e) {
      std::cerr << "[synetune] warning: cannot save the experiment's files: " << e.what() << "\n";
      code = 1;
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  child_ = pid;
  return true;
}

void BackgroundSaver::run_now(const Job& job) {
  reap(true);
  job();
}

std::string BackgroundSaver::wait() { return reap(true); }

std::string BackgroundSaver::reap(bool block) {
  if (child_ < 0) return "";
  int status = 0;
  pid_t r;
  do r = ::waitpid(child_, &status, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return "";  // still running
  child_ = -1;
  if (r < 0) return std::string("waitpid: ") + std::strerror(errno);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return WIFSIGNALED(status) ? "the saving process was killed by signal " + std::to_string(WTERMSIG(status))
                             : "the saving process failed (see the message above)";
}

}  // namespace synetune
