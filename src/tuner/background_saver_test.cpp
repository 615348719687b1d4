#include "tuner/background_saver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(BackgroundSaver, SavesTheStateAtTheTimeOfTheCall) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  BackgroundSaver saver;
  int state = 1;
  ASSERT_TRUE(saver.run_async([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    write_file_atomically(file, "{\"state\": " + std::to_string(state) + "}");
  }));
  state = 2;  // the loop goes on; the child has its own copy of the state
  EXPECT_TRUE(saver.busy());
  EXPECT_FALSE(saver.run_async([] {})) << "overlapping saves";
  EXPECT_EQ(saver.wait(), "");
  EXPECT_EQ(slurp(file), "{\"state\": 1}");
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  saver.run_now([&] { write_file_atomically(file, "{\"state\": " + std::to_string(state) + "}"); });
  EXPECT_EQ(slurp(file), "{\"state\": 2}");
}

TEST(BackgroundSaver, AFailedSaveIsReportedAndKeepsTheOldFile) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  BackgroundSaver saver;
  saver.run_now([&] { write_file_atomically(file, "{\"ok\": true}"); });
  ASSERT_TRUE(saver.run_async([] { throw StorageError("disk full"); }));
  EXPECT_NE(saver.wait(), "");
  EXPECT_EQ(slurp(file), "{\"ok\": true}");
  EXPECT_THROW(saver.run_now([&] { write_file_atomically(dir.path / "no-such-folder" / "x", "{}"); }),
               StorageError);
}

}  // namespace
}  // namespace synetune
