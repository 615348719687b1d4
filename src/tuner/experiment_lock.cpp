#include "synetune/tuner/experiment_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "tuner/write_all.hpp"

namespace synetune {

namespace {

int flock_retrying(int fd, int op) {
  int rc;
  do rc = ::flock(fd, op);
  while (rc != 0 && errno == EINTR);
  return rc;
}

std::string locked_message(const std::filesystem::path& folder) {
  const pid_t pid = ExperimentLock::recorded_pid(folder);
  const std::string who = pid > 0 ? "another tuner (pid " + std::to_string(pid) + ")" : "another tuner";
  const std::string name = folder.filename().string();
  return "experiment " + folder.string() + " is in use: " + who +
         " is running it (it holds " + (folder / ExperimentLock::kFileName).string() +
         "). Wait until it ends (`synetune show " + name + "` follows it) or stop it" +
         (pid > 0 ? " (kill " + std::to_string(pid) + ")" : "") + ", then run `synetune resume " +
         name + "`";
}

}  // namespace

ExperimentLock ExperimentLock::acquire(const std::filesystem::path& folder) {
  const std::filesystem::path file = folder / kFileName;
  // O_NOFOLLOW: the file is truncated and written below, never through a planted link.
  // O_CLOEXEC: trials must not inherit the lock (see the header).
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    throw StorageError("cannot open the lock file " + file.string() + ": " + std::strerror(errno) +
                       (errno == ELOOP ? " (it is a symbolic link: remove it)" : ""));
  if (flock_retrying(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) throw ExperimentLocked(locked_message(folder));
    throw StorageError("cannot lock " + file.string() + ": " + std::strerror(err) +
                       " (the file system must support flock; use a local experiment root)");
  }
  // Best effort: the pid only improves the message of a refused tuner.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)write_all(fd, pid.data(), pid.size());
  return ExperimentLock(fd, folder);
}

pid_t ExperimentLock::recorded_pid(const std::filesystem::path& folder) {
  const int fd = ::open((folder / kFileName).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  char buf[32] = {};
  ssize_t n;
  do n = ::pread(fd, buf, sizeof buf - 1, 0);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return 0;
  char* end = nullptr;
  const long v = std::strtol(buf, &end, 10);
  return end != buf && (*end == '\n' || *end == '\0') && v > 0 ? static_cast<pid_t>(v) : 0;
}

ExperimentLock::ExperimentLock(ExperimentLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), folder_(std::move(other.folder_)) {}

ExperimentLock& ExperimentLock::operator=(ExperimentLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    folder_ = std::move(other.folder_);
  }
  return *this;
}

ExperimentLock::~ExperimentLock() { release(); }

void ExperimentLock::release() {
  if (fd_ < 0) return;
  // The pid goes first, so that the next holder's refusals never name us. Closing the last
  // descriptor releases the flock.
  (void)::ftruncate(fd_, 0);
  ::close(fd_);
  fd_ = -1;
  folder_.clear();
}

}  // namespace synetune
