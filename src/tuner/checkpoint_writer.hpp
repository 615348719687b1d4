#pragma once
// Writes the tuner checkpoint without stalling the event loop, as Redis's BGSAVE does: a
// forked child sees a copy-on-write snapshot of the whole tuner (state, scheduler, searcher,
// backend), serializes it and writes it atomically (temporary file, fsync, rename) while the
// parent goes on. The loop pays for the fork only, whatever the size of the experiment.
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>

namespace synetune {

class CheckpointWriter {
 public:
  using Serializer = std::function<std::string()>;

  explicit CheckpointWriter(std::filesystem::path path);
  ~CheckpointWriter();  ///< waits for a write in progress
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  /// Starts a background write of serialize()'s text, unless the previous one still runs
  /// (then returns false: the next interval writes a newer state anyway). If fork fails, it
  /// writes in the foreground.
  bool write_async(const Serializer& serialize);
  /// Writes now and returns when the file is on disk (end of tuning). Throws StorageError.
  void write_now(const Serializer& serialize);
  /// Waits for a background write; returns its error ("" if none, or none running).
  std::string wait();
  /// True while a background write runs (reaps it if it ended).
  bool busy();

 private:
  std::string reap(bool block);

  std::filesystem::path path_;
  pid_t child_ = -1;
};

}  // namespace synetune
