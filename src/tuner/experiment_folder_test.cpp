#include "synetune/tuner/experiment_folder.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace synetune {
namespace {
namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ExperimentFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("synetune-folder-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  // An experiment as a finished tuner leaves it.
  fs::path make_experiment(const std::string& name) {
    const fs::path p = root_ / name;
    fs::create_directories(p / "0" / "checkpoints");
    std::ofstream(p / "metadata.json") << "{\"tuner_name\": \"" << name << "\"}\n";
    std::ofstream(p / "journal.jsonl") << "{\"event\": \"tuning_start\"}\n";
    std::ofstream(p / "results.csv.zip") << "zip";
    std::ofstream(p / "0" / "std.out") << "out";
    return p;
  }
  fs::path root_;
};

TEST(ExperimentName, PlainNamesOnly) {
  for (const std::string& ok : std::vector<std::string>{"exp", "a.b_c-1", "A9", "train-height-2024-01-02-03-04-05-006", "_x", "x.",
                               std::string(200, 'a')})
    EXPECT_TRUE(is_valid_experiment_name(ok)) << ok;
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../x", "x/..", "/", "/etc", "a/b", ".hidden", "-x", "--help",
                                "a b", "a\nb", "a\\b", "a:b", "caf\xc3\xa9", "~", "$HOME",
                                std::string(201, 'a')})
    EXPECT_FALSE(is_valid_experiment_name(bad)) << bad;
}

TEST(ExperimentName, TheMessageSaysWhatIsWrongAndStatesTheRule) {
  auto message = [](const std::string& name) {
    try {
      check_experiment_name(name, "--tuner-name");
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string m = message("../up");
  EXPECT_NE(m.find("--tuner-name '../up'"), std::string::npos) << m;
  EXPECT_NE(m.find("starts with '.'"), std::string::npos) << m;
  EXPECT_NE(m.find(kExperimentNameRule), std::string::npos) << m;
  EXPECT_NE(message("a/b").find("holds '/'"), std::string::npos);
  EXPECT_NE(message("").find("is empty"), std::string::npos);
  EXPECT_NE(message("a\tb").find("0x09"), std::string::npos);
  EXPECT_NE(message(std::string(201, 'x')).find("201 characters"), std::string::npos);
  EXPECT_EQ(message("fine-name"), "");
}

TEST(ExperimentName, RootRelativeNamesStayUnderTheRoot) {
  for (const std::string& ok : std::vector<std::string>{"exp", "runs/branin-ASHA-0", "a/b/c"})
    EXPECT_TRUE(is_root_relative_name(ok)) << ok;
  for (const std::string& bad : std::vector<std::string>{"", "..", ".", "../x", "../../etc", "/etc", "a//b", "a/", "a/../b", "a/./b", "./a"})
    EXPECT_FALSE(is_root_relative_name(bad)) << bad;
  try {
    check_root_relative_name("../../etc", "/some/root");
    ADD_FAILURE() << "accepted";
  } catch (const InvalidArgument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'../../etc' is neither a path to an experiment folder"), std::string::npos) << m;
    EXPECT_NE(m.find("/some/root"), std::string::npos) << m;
  }
}

TEST(ExperimentName, GeneratedNamesAreMadeValid) {
  EXPECT_EQ(to_experiment_name("train_height"), "train_height");
  EXPECT_EQ(to_experiment_name("my script (1)"), "my-script--1-");
  EXPECT_EQ(to_experiment_name(" .hidden"), "hidden");
  EXPECT_EQ(to_experiment_name("../.."), "");
  EXPECT_EQ(to_experiment_name(std::string(300, 'z')).size(), kMaxExperimentNameLength);
  EXPECT_TRUE(is_valid_experiment_name(to_experiment_name("--x y")));
}

TEST_F(ExperimentFolderTest, ANewNameGetsAFreshLockedFolder) {
  auto f = create_experiment_folder(root_ / "not-yet", "exp", ExistingFolder::kRefuse);
  EXPECT_EQ(f.name, "exp");
  EXPECT_EQ(f.path, root_ / "not-yet" / "exp");
  EXPECT_TRUE(f.lock.held());
  EXPECT_THROW(ExperimentLock::acquire(f.path), ExperimentLocked);
}

TEST_F(ExperimentFolderTest, AnExistingExperimentIsRefusedAndLeftUntouched) {
  const fs::path p = make_experiment("exp");
  const auto before = fs::last_write_time(p);
  try {
    create_experiment_folder(root_, "exp", ExistingFolder::kRefuse);
    ADD_FAILURE() << "an existing experiment was reused";
  } catch (const InvalidArgument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("synetune resume exp --root " + root_.string()), std::string::npos) << m;
    EXPECT_NE(m.find("--overwrite"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(p / ExperimentLock::kFileName)) << "not even a lock file was added";
  EXPECT_EQ(read(p / "metadata.json"), "{\"tuner_name\": \"exp\"}\n");
  EXPECT_EQ(fs::last_write_time(p), before);
}

TEST_F(ExperimentFolderTest, InvalidNamesCreateNothing) {
  for (const std::string& bad : std::vector<std::string>{"..", "../outside", "/abs", "", "."})
    EXPECT_THROW(create_experiment_folder(root_ / "r", bad, ExistingFolder::kOverwrite), InvalidArgument) << bad;
  EXPECT_FALSE(fs::exists(root_ / "r"));
  EXPECT_FALSE(fs::exists(root_ / "outside"));
}

TEST_F(ExperimentFolderTest, OverwriteClearsAnExperimentAndKeepsItsLockFile) {
  const fs::path p = make_experiment("exp");
  fs::create_directories(root_ / "elsewhere");
  std::ofstream(root_ / "elsewhere" / "data") << "linked, not owned";
  fs::create_directory_symlink(root_ / "elsewhere", p / "link");
  auto f = create_experiment_folder(root_, "exp", ExistingFolder::kOverwrite);
  EXPECT_TRUE(f.lock.held());
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(p)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{ExperimentLock::kFileName});
  EXPECT_EQ(read(root_ / "elsewhere" / "data"), "linked, not owned") << "a link's target was removed";
}

TEST_F(ExperimentFolderTest, OverwriteRefusesAFolderThatIsNoExperiment) {
  fs::create_directories(root_ / "docs");
  std::ofstream(root_ / "docs" / "thesis.tex") << "years of work";
  EXPECT_THROW(create_experiment_folder(root_, "docs", ExistingFolder::kOverwrite), InvalidArgument);
  EXPECT_EQ(read(root_ / "docs" / "thesis.tex"), "years of work");
  EXPECT_FALSE(fs::exists(root_ / "docs" / ExperimentLock::kFileName));
  // A plain file or a link by that name is not replaced either.
  std::ofstream(root_ / "file") << "x";
  EXPECT_THROW(create_experiment_folder(root_, "file", ExistingFolder::kOverwrite), InvalidArgument);
  const fs::path exp = make_experiment("real");
  fs::create_directory_symlink(exp, root_ / "alias");
  EXPECT_THROW(create_experiment_folder(root_, "alias", ExistingFolder::kOverwrite), InvalidArgument);
  EXPECT_TRUE(fs::exists(exp / "metadata.json"));
  // An empty folder may be used.
  fs::create_directories(root_ / "empty");
  EXPECT_NO_THROW(create_experiment_folder(root_, "empty", ExistingFolder::kOverwrite));
}

TEST_F(ExperimentFolderTest, OverwriteOfARunningExperimentFailsAndRemovesNothing) {
  const fs::path p = make_experiment("exp");
  ExperimentLock running = ExperimentLock::acquire(p);
  EXPECT_THROW(create_experiment_folder(root_, "exp", ExistingFolder::kOverwrite), ExperimentLocked);
  EXPECT_TRUE(fs::exists(p / "journal.jsonl"));
  EXPECT_TRUE(fs::exists(p / "0" / "std.out"));
}

TEST_F(ExperimentFolderTest, GeneratedNamesThatCollideGetASuffix) {
  make_experiment("auto-1");
  fs::create_directories(root_ / "auto-1-2");  // even an empty folder is someone's
  auto f = create_experiment_folder(root_, "auto-1", ExistingFolder::kAddSuffix);
  EXPECT_EQ(f.name, "auto-1-3");
  EXPECT_EQ(f.path, root_ / "auto-1-3");
  EXPECT_EQ(read(root_ / "auto-1" / "metadata.json"), "{\"tuner_name\": \"auto-1\"}\n");
  auto g = create_experiment_folder(root_, "auto-1", ExistingFolder::kAddSuffix);
  EXPECT_EQ(g.name, "auto-1-4");
}

TEST_F(ExperimentFolderTest, AReservedFolderIsAdoptedUnlessAnExperimentStartedInIt) {
  fs::create_directories(root_ / "job");
  std::ofstream(root_ / "job" / "tuner.slurm.out") << "log";
  auto f = create_experiment_folder(root_, "job", ExistingFolder::kAdoptReserved);
  EXPECT_EQ(read(root_ / "job" / "tuner.slurm.out"), "log");
  f.lock.release();
  make_experiment("job");  // a requeued job must not start the experiment again
  EXPECT_THROW(create_experiment_folder(root_, "job", ExistingFolder::kAdoptReserved), InvalidArgument);
}

}  // namespace
}  // namespace synetune
