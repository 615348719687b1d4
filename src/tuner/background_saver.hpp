#pragma once
// Saves the tuner's files (results.csv.zip, tuner.json) on a thread of its own, so that the
// event loop waits neither for their text, nor for compression, nor for fsync. A job owns an
// immutable snapshot of what it writes, taken on the loop thread (TunerState::snapshot,
// ResultsTable::snapshot, the scheduler's state as text): it shares nothing mutable with the
// loop, which goes on at once. One job runs at a time; a job submitted while one runs waits,
// and a newer one replaces it (it saves a newer state of the same files). Every file is
// written atomically (temporary file, rename), so readers never see half of one.
//
// A thread, not a forked process: fork() in a process with other threads (the benchmark
// runner's, a library user's) copies locks held by threads that do not exist in the child.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace synetune {

class BackgroundSaver {
 public:
  using Job = std::function<void()>;  ///< writes files; throws on failure

  BackgroundSaver() = default;
  /// Lets the running job and the waiting one (if any) finish, then joins the thread.
  ~BackgroundSaver();
  BackgroundSaver(const BackgroundSaver&) = delete;
  BackgroundSaver& operator=(const BackgroundSaver&) = delete;

  /// Queues `job` for the saving thread (started on the first call); never waits for a write.
  /// Returns false when it replaced a job that had not started yet (coalesced).
  bool submit(Job job);
  /// Runs `job` on the calling thread once the queued jobs are done (the final save, at the
  /// end of the tuning); its exceptions propagate.
  void run_now(const Job& job);
  /// Waits for the queued jobs; returns the error of the last one that failed since the
  /// previous call ("" if none). Failures are also reported on stderr as they happen.
  std::string wait();
  /// True while a job runs or waits.
  bool busy() const;

 private:
  void work();
  void wait_idle(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a job was queued, ended, or the saver is closing
  Job pending_;                      // empty: none waits
  bool running_ = false;
  bool closing_ = false;
  std::string error_;
  std::thread thread_;  // touched by the owner's thread only
};

}  // namespace synetune
