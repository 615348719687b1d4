#include "tuner/checkpoint_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "synetune/core/error.hpp"

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
  fs::path path = fs::temp_directory_path() / ("synetune-cpw-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

TEST(CheckpointWriter, BackgroundWriteSeesTheStateAtTheTimeOfTheCall) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  CheckpointWriter w(file);
  int state = 1;
  ASSERT_TRUE(w.write_async([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return "{\"state\": " + std::to_string(state) + "}";
  }));
  state = 2;  // the loop goes on; the child has its own copy of the state
  EXPECT_TRUE(w.busy());
  EXPECT_FALSE(w.write_async([] { return std::string("{}"); })) << "overlapping writes";
  EXPECT_EQ(w.wait(), "");
  EXPECT_EQ(slurp(file), "{\"state\": 1}");
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  w.write_now([&] { return "{\"state\": " + std::to_string(state) + "}"; });
  EXPECT_EQ(slurp(file), "{\"state\": 2}");
}

TEST(CheckpointWriter, AFailedWriteIsReportedAndKeepsTheOldFile) {
  TempDir dir;
  const fs::path file = dir.path / "tuner.json";
  CheckpointWriter w(file);
  w.write_now([] { return std::string("{\"ok\": true}"); });
  ASSERT_TRUE(w.write_async([]() -> std::string { throw StorageError("disk full"); }));
  EXPECT_NE(w.wait(), "");
  EXPECT_EQ(slurp(file), "{\"ok\": true}");
  CheckpointWriter bad(dir.path / "no-such-folder" / "tuner.json");
  EXPECT_THROW(bad.write_now([] { return std::string("{}"); }), StorageError);
}

}  // namespace
}  // namespace synetune
