#pragma once
/// One tuner per experiment folder.
///
/// A tuner (`synetune tune`, `synetune resume`, `tune --overwrite`, or a `Tuner` in C++) holds
/// an exclusive flock(2) on `<experiment>/tuner.lock` for as long as it runs. A second tuner
/// on the same folder fails at once with ExperimentLocked instead of killing the first one's
/// trials and writing a second run into its journal.
///
/// Why flock and not "the lock file exists": the kernel drops a flock when the last file
/// descriptor of the holder goes away, so a tuner killed by SIGKILL, OOM or a reboot never
/// leaves a stale lock behind; tuner.lock is never deleted (deleting it would let two tuners
/// lock two different files of the same name) and its presence alone means nothing.
/// The descriptor is opened with O_CLOEXEC, so trial processes (which outlive a killed tuner)
/// do not inherit it and cannot keep the lock. A child forked without exec (the background
/// saver) shares it until it exits, a few milliseconds. The holder's pid is written into the
/// file, for the message of the tuner that is refused.
///
/// Readers (`show`, `list`, `plot`, `load_experiment`) take no lock: they read a running
/// experiment's files as they are.
///
/// On NFS, Linux implements flock with byte-range locks of the NFS lock manager, so the lock
/// also holds between the nodes of a cluster (the Slurm launcher's tuner runs on a node).
#include <sys/types.h>

#include <filesystem>

#include "synetune/core/error.hpp"

namespace synetune {

/// Another tuner holds the lock of the experiment folder. The message names the folder, the
/// holder's pid when known, and what to do.
class ExperimentLocked : public Error {
 public:
  using Error::Error;
};

class ExperimentLock {
 public:
  /// Name of the lock file inside an experiment folder.
  static constexpr const char* kFileName = "tuner.lock";

  /// An object that holds no lock.
  ExperimentLock() = default;
  /// Locks `folder` (an existing directory), creating `folder/tuner.lock` if needed, without
  /// waiting. Throws ExperimentLocked if another tuner (in any process, this one included)
  /// holds it, StorageError if the file cannot be opened or locked (e.g. tuner.lock is a
  /// symbolic link, or the file system has no locks).
  static ExperimentLock acquire(const std::filesystem::path& folder);
  /// The pid recorded by the holder of `folder`'s lock, or 0 when there is none or it cannot
  /// be read. Meaningful only while the lock is held (a killed holder leaves its pid behind).
  static pid_t recorded_pid(const std::filesystem::path& folder);

  ExperimentLock(ExperimentLock&& other) noexcept;
  ExperimentLock& operator=(ExperimentLock&& other) noexcept;
  ExperimentLock(const ExperimentLock&) = delete;
  ExperimentLock& operator=(const ExperimentLock&) = delete;
  /// Releases the lock.
  ~ExperimentLock();

  bool held() const { return fd_ >= 0; }
  /// The locked folder (empty when nothing is held).
  const std::filesystem::path& folder() const { return folder_; }
  /// Releases the lock now (clears the recorded pid; keeps the file).
  void release();

 private:
  ExperimentLock(int fd, std::filesystem::path folder) : fd_(fd), folder_(std::move(folder)) {}
  int fd_ = -1;
  std::filesystem::path folder_;
};

}  // namespace synetune
