#include "tuner/checkpoint_writer.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "synetune/core/error.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune {

CheckpointWriter::CheckpointWriter(std::filesystem::path path) : path_(std::move(path)) {}

CheckpointWriter::~CheckpointWriter() { reap(true); }

bool CheckpointWriter::busy() {
  if (child_ < 0) return false;
  if (std::string err = reap(false); !err.empty())
    std::cerr << "[synetune] warning: the tuner checkpoint was not written: " << err << "\n";
  return child_ >= 0;
}

bool CheckpointWriter::write_async(const Serializer& serialize) {
  if (busy()) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {  // no memory for a child: do it here rather than not at all
    write_now(serialize);
    return true;
  }
  if (pid == 0) {
    // The child: never return into the tuner, never flush the parent's stdio buffers (the
    // journal's buffer would be written twice): _exit only.
    int code = 0;
    try {
      write_file_atomically(path_, serialize());
    } catch (const std::exception& e) {
      std::cerr << "[synetune] warning: cannot write the tuner checkpoint: " << e.what() << "\n";
      code = 1;
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  child_ = pid;
  return true;
}

void CheckpointWriter::write_now(const Serializer& serialize) {
  reap(true);
  write_file_atomically(path_, serialize());
}

std::string CheckpointWriter::wait() { return reap(true); }

std::string CheckpointWriter::reap(bool block) {
  if (child_ < 0) return "";
  int status = 0;
  pid_t r;
  do r = ::waitpid(child_, &status, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return "";  // still running
  child_ = -1;
  if (r < 0) return std::string("waitpid: ") + std::strerror(errno);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return WIFSIGNALED(status) ? "the writer was killed by signal " + std::to_string(WTERMSIG(status))
                             : "the writer failed (see the message above)";
}

}  // namespace synetune
