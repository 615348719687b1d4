#include "tuner/background_saver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "synetune/core/error.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("synetune-saver-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

TEST(BackgroundSaver, SavesTheSnapshotItWasGivenAndCoalescesWaitingSaves) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  BackgroundSaver saver;
  std::atomic<int> runs{0};
  std::atomic<bool> release{false}, started{false};
  auto save = [&](int state, bool hold) {
    // The job owns its snapshot (`state`, by value): the loop's later changes are not seen.
    return [&, state, hold] {
      started = true;
      while (hold && !release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++runs;
      write_file_atomically(file, "{\"state\": " + std::to_string(state) + "}");
    };
  };
  EXPECT_TRUE(saver.submit(save(1, true)));
  EXPECT_TRUE(saver.busy());
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(saver.submit(save(2, false)));   // waits for the running one
  EXPECT_FALSE(saver.submit(save(3, false)));  // replaces the waiting one: coalesced
  release = true;
  EXPECT_EQ(saver.wait(), "");
  EXPECT_FALSE(saver.busy());
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(slurp(file), "{\"state\": 3}");
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  saver.run_now([&] { write_file_atomically(file, "{\"state\": 4}"); });
  EXPECT_EQ(slurp(file), "{\"state\": 4}");
}

TEST(BackgroundSaver, TheFinalSaveRunsAfterTheOneInProgress) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  BackgroundSaver saver;
  saver.submit([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    write_file_atomically(file, "old");
  });
  saver.run_now([&] { write_file_atomically(file, "final"); });
  EXPECT_EQ(slurp(file), "final");
}

TEST(BackgroundSaver, TheDestructorFinishesTheQueuedSaves) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  {
    BackgroundSaver saver;
    saver.submit([] { std::this_thread::sleep_for(std::chrono::milliseconds(30)); });
    saver.submit([&] { write_file_atomically(file, "last"); });
  }
  EXPECT_EQ(slurp(file), "last");
}

TEST(BackgroundSaver, AFailedSaveIsReportedAndKeepsTheOldFile) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  BackgroundSaver saver;
  saver.run_now([&] { write_file_atomically(file, "{\"ok\": true}"); });
  saver.submit([] { throw StorageError("disk full"); });
  EXPECT_EQ(saver.wait(), "disk full");
  EXPECT_EQ(saver.wait(), "") << "reported once";
  EXPECT_EQ(slurp(file), "{\"ok\": true}");
  EXPECT_THROW(saver.run_now([&] { write_file_atomically(dir.path / "no-such-folder" / "x", "{}"); }),
               StorageError);
}

}  // namespace
}  // namespace synetune
