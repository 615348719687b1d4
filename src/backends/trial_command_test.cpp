// make_trial_command: the one builder of a trial's argv, environment and working directory
// (shared by the local and Slurm backends).
#include "synetune/backends/trial_command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "backends/local/local_test_util.hpp"
#include "synetune/backends/local_backend.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {
namespace fs = std::filesystem;
using testing_local::collect;
using testing_local::count_kind;
using testing_local::ended;
using testing_local::read_text;
using testing_local::TempDir;

std::optional<std::string> env_value(const std::vector<std::string>& env, const std::string& key) {
  std::optional<std::string> found;
  for (const auto& e : env)
    if (e.rfind(key + "=", 0) == 0) {
      EXPECT_FALSE(found) << key << " twice in the environment";
      found = e.substr(key.size() + 1);
    }
  return found;
}

// Sets (or unsets, with nullopt) a variable of this process for one test, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(std::string key, const std::optional<std::string>& value) : key_(std::move(key)) {
    if (const char* v = std::getenv(key_.c_str())) old_ = v;
    if (value) ::setenv(key_.c_str(), value->c_str(), 1);
    else ::unsetenv(key_.c_str());
  }
  ~ScopedEnv() {
    if (old_) ::setenv(key_.c_str(), old_->c_str(), 1);
    else ::unsetenv(key_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string key_;
  std::optional<std::string> old_;
};

TEST(TrialCommand, FormatsValuesLikePythonStr) {
  EXPECT_EQ(format_cli_value(3), "3");
  EXPECT_EQ(format_cli_value(-3), "-3");
  EXPECT_EQ(format_cli_value(0.001), "0.001");
  EXPECT_EQ(format_cli_value(1e-05), "1e-05");
  EXPECT_EQ(format_cli_value(1e16), "1e+16");
  EXPECT_EQ(format_cli_value(1e15), "1000000000000000.0");
  EXPECT_EQ(format_cli_value(2.0), "2.0");
  EXPECT_EQ(format_cli_value(-0.5), "-0.5");
  EXPECT_EQ(format_cli_value(0.1), "0.1");
  EXPECT_EQ(format_cli_value(true), "True");
  EXPECT_EQ(format_cli_value(nullptr), "None");
  EXPECT_EQ(format_cli_value("a b"), "a b");
  EXPECT_EQ(format_cli_value(Json::parse(R"([1, 2.5, "x"])")), R"([1,2.5,"x"])");
}

TEST(TrialCommand, ArgvHasEveryConfigValueTypeAsOneEntry) {
  TrialCommandOptions o;
  o.entry_point = "/opt/train.py";
  o.python = "/usr/bin/python3";
  o.extra_args = {"--verbose"};
  const Config c = Json::parse(R"({"i": 3, "neg": -7, "big": 18446744073709551615, "f": 1e-05,
      "g": 2.0, "b": true, "n": null, "s": "resnet", "l": [64, 32], "o": {"k": "v"},
      "st_checkpoint_dir": "/elsewhere"})");
  const TrialCommand cmd = make_trial_command(o, c, "/exp/4");
  const std::vector<std::string> want = {
      "/usr/bin/python3", "/opt/train.py", "--verbose", "--i", "3", "--neg", "-7",
      "--big", "18446744073709551615", "--f", "1e-05", "--g", "2.0", "--b", "True", "--n", "None",
      "--s", "resnet", "--l", "[64,32]", "--o", R"({"k":"v"})",
      "--st_checkpoint_dir", "/exp/4/checkpoints"};  // the folder's, not the config's
  EXPECT_EQ(cmd.argv, want);
  EXPECT_TRUE(cmd.working_dir.empty());
}

TEST(TrialCommand, ProgramsThatAreNotPythonRunThemselves) {
  TrialCommandOptions o;
  o.entry_point = "train_bin";  // a bare name: the file here, never a PATH namesake
  EXPECT_EQ(make_trial_command(o, Json::object(), "t").argv,
            (std::vector<std::string>{"./train_bin", "--st_checkpoint_dir", "t/checkpoints"}));
  o.entry_point = "bin/train";
  o.working_dir = "/work/dir";
  const TrialCommand cmd = make_trial_command(o, Json::object(), "t");
  EXPECT_EQ(cmd.argv[0], "bin/train");
  EXPECT_EQ(cmd.working_dir, fs::path("/work/dir"));
}

TEST(TrialCommand, HostileValuesStaySingleArgvEntriesAndRunNothing) {
  TempDir tmp;
  const std::string pwned = (tmp.path() / "pwned").string();
  const std::vector<std::string> values = {
      "a b  c", "it's", "\"quoted\"", "$(touch " + pwned + ")", "`touch " + pwned + "`",
      "x; touch " + pwned, "a\nb", "$HOME * ?", "", " lead"};
  Config c = Json::object();
  for (std::size_t i = 0; i < values.size(); ++i) c["v" + std::to_string(i)] = values[i];
  // Each argument on its own NUL-terminated record: newlines inside values stay visible.
  LocalBackendOptions o;
  o.entry_point = tmp.script("train.sh", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n");
  o.visible_gpus_override = std::vector<int>{};
  const TrialCommand cmd = make_trial_command(o, c, tmp.path() / "exp" / "0");
  ASSERT_EQ(cmd.argv.size(), 1 + 2 * values.size() + 2);
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(cmd.argv[2 + 2 * i], values[i]);

  LocalBackend b(o);
  b.set_tuner_path(tmp.path() / "exp");
  b.start(0, c, std::nullopt);
  auto ev = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev, BackendEvent::Kind::kCompleted, 0), 1);
  std::string expected;
  for (std::size_t i = 1; i < cmd.argv.size(); ++i) expected += cmd.argv[i] + std::string(1, '\0');
  EXPECT_EQ(read_text(b.trial_path(0) / "std.out"), expected);
  EXPECT_FALSE(fs::exists(pwned));
}

TEST(TrialCommand, EnvironmentInheritsAndAddsOurVariables) {
  ScopedEnv omp("OMP_NUM_THREADS", std::nullopt);
  ScopedEnv mine("SYNETUNE_TEST_INHERITED", "kept");
  ScopedEnv pp("PYTHONPATH", "/user/lib");
  ScopedEnv cuda("CUDA_VISIBLE_DEVICES", "7");
  TempDir tmp;
  TrialCommandOptions o;
  o.entry_point = "train.py";
  o.extra_env = {{"MY_VAR", "a b $(x)"}, {"SYNETUNE_TEST_INHERITED", "overridden"}};
  o.python_package_dir = tmp.path() / "sub" / ".." / "python";
  fs::create_directories(tmp.path() / "python");
  TrialCommand cmd = make_trial_command(o, Json::object(), "t");
  EXPECT_EQ(env_value(cmd.env, "OMP_NUM_THREADS"), "1");  // one thread per trial by default
  EXPECT_EQ(env_value(cmd.env, "MY_VAR"), "a b $(x)");
  EXPECT_EQ(env_value(cmd.env, "SYNETUNE_TEST_INHERITED"), "overridden");
  EXPECT_EQ(env_value(cmd.env, "PYTHONPATH"), fs::weakly_canonical(tmp.path() / "python").string() + ":/user/lib");
  EXPECT_EQ(env_value(cmd.env, "CUDA_VISIBLE_DEVICES"), "7");  // no GPUs given: inherited

  // The GPU rotation's choice wins, even over extra_env; a user's OMP_NUM_THREADS is kept.
  ScopedEnv omp4("OMP_NUM_THREADS", "4");
  o.extra_env["CUDA_VISIBLE_DEVICES"] = "9";
  o.python_package_dir.clear();
  cmd = make_trial_command(o, Json::object(), "t", {2, 3});
  EXPECT_EQ(env_value(cmd.env, "CUDA_VISIBLE_DEVICES"), "2,3");
  EXPECT_EQ(env_value(cmd.env, "OMP_NUM_THREADS"), "4");
  EXPECT_EQ(env_value(cmd.env, "PYTHONPATH"), "/user/lib");
  EXPECT_EQ(env_value(cmd.env, "PATH"), std::getenv("PATH") ? std::optional<std::string>(std::getenv("PATH"))
                                                            : std::nullopt);
}

TEST(TrialCommand, ValidatesEntryPointAgainstTheWorkingDirectory) {
  TempDir tmp;
  tmp.script("train.py", "print(1)\n");
  TrialCommandOptions o;
  o.entry_point = "train.py";
  o.working_dir = tmp.path();
  EXPECT_NO_THROW(validate_trial_command_options(o, "TestBackend"));
  o.working_dir = tmp.path() / "missing";
  try {
    validate_trial_command_options(o, "TestBackend");
    FAIL() << "no error for a missing entry point";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("TestBackend: entry point"), std::string::npos) << e.what();
  }
  o.working_dir = tmp.path();
  o.python.clear();
  EXPECT_THROW(validate_trial_command_options(o, "TestBackend"), InvalidArgument);
  o = TrialCommandOptions{};
  EXPECT_THROW(validate_trial_command_options(o, "TestBackend"), InvalidArgument);
}

TEST(TrialCommand, LocalBackendRunsTrialsInTheWorkingDirectory) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "wd");
  tmp.script("wd/train.sh", "#!/bin/sh\npwd\n");
  LocalBackendOptions o;
  o.entry_point = "train.sh";  // relative to working_dir
  o.working_dir = tmp.path() / "wd";
  o.visible_gpus_override = std::vector<int>{};
  LocalBackend b(o);
  b.set_tuner_path(tmp.path() / "exp");
  b.start(0, Json::object(), std::nullopt);
  auto ev = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev, BackendEvent::Kind::kCompleted, 0), 1) << read_text(b.trial_path(0) / "std.err");
  EXPECT_EQ(read_text(b.trial_path(0) / "std.out"), fs::canonical(tmp.path() / "wd").string() + "\n");
}

TEST(TrialCommand, OurPythonPackageOnlyWithoutARealSyneTune) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "python");
  TrialCommandOptions o;
  o.entry_point = "train.py";
  o.python_package_dir = tmp.path() / "python";
  // "Imports syne_tune" only through our folder on PYTHONPATH: the check takes it off, so
  // this interpreter has no real one and keeps our package.
  ScopedEnv pp("PYTHONPATH", fs::weakly_canonical(tmp.path() / "python").string());
  o.python = tmp.script("ours_only", "#!/bin/sh\ncase \"$PYTHONPATH\" in *python*) exit 0;; esac\nexit 1\n").string();
  EXPECT_EQ(resolve_python_package(o).python_package_dir, o.python_package_dir);
  o.python = tmp.script("real", "#!/bin/sh\nexit 0\n").string();
  EXPECT_TRUE(resolve_python_package(o).python_package_dir.empty());
  o.python = (tmp.path() / "no-such-interpreter").string();
  EXPECT_EQ(resolve_python_package(o).python_package_dir, o.python_package_dir);
}

}  // namespace
}  // namespace synetune
