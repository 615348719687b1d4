#pragma once
// Saves the tuner's files (results.csv.zip, tuner.json) without stalling the event loop, as
// Redis's BGSAVE does: a forked child sees a copy-on-write snapshot of the whole tuner (state,
// results table, scheduler, searcher, backend) and writes from it while the parent goes on.
// The loop pays for the fork only, whatever the size of the experiment. Every file is
// written atomically (temporary file, rename), so readers never see half of one.
#include <sys/types.h>

#include <functional>
#include <string>

namespace synetune {

class BackgroundSaver {
 public:
  using Job = std::function<void()>;  ///< writes files; throws on failure

  BackgroundSaver() = default;
  ~BackgroundSaver();  ///< waits for a save in progress
  BackgroundSaver(const BackgroundSaver&) = delete;
  BackgroundSaver& operator=(const BackgroundSaver&) = delete;

  /// Runs `job` in a forked child, unless the previous one still runs (then returns false:
  /// the next interval saves a newer state anyway). If fork fails, runs it here.
  bool run_async(const Job& job);
  /// Runs `job` here after the background one ended (end of tuning); exceptions propagate.
  void run_now(const Job& job);
  /// Waits for a background save; returns its error ("" if none, or none running).
  std::string wait();
  /// True while a background save runs (reaps it, with a warning if it failed, once ended).
  bool busy();

 private:
  std::string reap(bool block);

  pid_t child_ = -1;
};

}  // namespace synetune
