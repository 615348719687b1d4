// Tests of what runs inside a trial: the C++ Reporter / checkpoint helpers, our Python
// `syne_tune` package, and the example scripts under the LocalBackend.
#include "synetune/reporter.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <regex>
#include <sstream>

#include "backends/local/local_test_util.hpp"
#include "backends/local/process.hpp"
#include "synetune/checkpoint.hpp"

namespace synetune {
namespace {
using testing_local::collect;
using testing_local::count_kind;
using testing_local::ended;
using testing_local::read_text;
using testing_local::TempDir;
using Kind = BackendEvent::Kind;
namespace fs = std::filesystem;

const char* kPython = "/usr/bin/python3";
const fs::path kPackageDir = fs::path(SYNETUNE_SOURCE_DIR) / "python";

bool have_python() { return fs::exists(kPython); }

// Output of `python3 -c code` with our package on PYTHONPATH.
std::string run_python(const std::string& code, int* status = nullptr) {
  auto env = local::current_environment();
  env.push_back("PYTHONPATH=" + kPackageDir.string());
  std::string out;
  int st = local::run_and_wait({kPython, "-c", code}, env, 30.0, &out);
  if (status) *status = st;
  return out;
}

TEST(PythonFloatRepr, MatchesPythonRepr) {
  EXPECT_EQ(python_float_repr(0.001), "0.001");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1.2345e100), "1.2345e+100");
  EXPECT_EQ(python_float_repr(123456.789), "123456.789");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(100.0), "100.0");
  EXPECT_EQ(python_float_repr(5e-324), "5e-324");
}

TEST(PythonJsonDumps, EqualsPythonJsonDumps) {
  if (!have_python()) GTEST_SKIP() << "no " << kPython;
  const std::string doc = R"({"a": 1, "b": [0.1, 1e-07, 1e+22, -0.0, true, null], "s": "\u00e9 \"q\"\n\t", "o": {}, "l": []})";
  int st = 0;
  std::string py = run_python("import json; print(json.dumps(json.loads(r'''" + doc + "''')), end='')", &st);
  ASSERT_EQ(st, 0);
  EXPECT_EQ(python_json_dumps(Json::parse(doc)), py);
}

TEST(Reporter, PrintsSyneTuneLineFormat) {
  std::ostringstream out;
  Reporter report(out);
  report({{"epoch", 1}, {"val_loss", 0.5}, {"bad", std::nan("")}, {"name", "x"}});
  report({{"epoch", 2}, {"val_loss", -INFINITY}});
  const std::regex line(
      R"(\[tune-metric\]: \{"epoch": 1, "val_loss": 0\.5, "bad": NaN, "name": "x", )"
      R"("st_worker_timestamp": 1[0-9]{9}\.[0-9]+, "st_worker_time": [0-9.e-]+, "st_worker_iter": 0\}\n)"
      R"(\[tune-metric\]: \{"epoch": 2, "val_loss": -Infinity, .*"st_worker_iter": 1\}\n)");
  EXPECT_TRUE(std::regex_match(out.str(), line)) << out.str();
  EXPECT_EQ(report.iterations(), 2);
  // The line parses back with the tuner's lenient parser.
  std::string first = out.str().substr(kMetricLinePrefix.size(), out.str().find('\n') - kMetricLinePrefix.size());
  EXPECT_TRUE(std::isnan(parse_json_lenient(first)["bad"].get<double>()));
}

TEST(Reporter, RejectsReservedKeysNullsAndHugeReports) {
  std::ostringstream out;
  Reporter report(out);
  EXPECT_THROW(report({{"st_loss", 1}}), InvalidArgument);
  EXPECT_THROW(report({{"loss", nullptr}}), InvalidArgument);
  EXPECT_THROW(report({{"blob", std::string(60000, 'x')}}), InvalidArgument);
  EXPECT_TRUE(out.str().empty());
}

TEST(Checkpoint, SaveLoadAndParseDir) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "ck";
  EXPECT_EQ(load_checkpoint_epoch(dir), 0);
  save_checkpoint(dir, 3, {{"w", 0.25}});
  EXPECT_EQ(load_checkpoint_epoch(dir), 3);
  EXPECT_EQ(load_checkpoint_state(dir)["w"], 0.25);
  std::ofstream(dir / kCheckpointFileName) << "{\"st_resource\": 4";  // torn write
  EXPECT_EQ(load_checkpoint_epoch(dir), 0);
  const char* argv1[] = {"p", "--x", "1", "--st_checkpoint_dir", "/a b/c"};
  EXPECT_EQ(parse_checkpoint_dir(5, argv1), fs::path("/a b/c"));
  const char* argv2[] = {"p", "--st_checkpoint_dir=/d"};
  EXPECT_EQ(parse_checkpoint_dir(2, argv2), fs::path("/d"));
  const char* argv3[] = {"p"};
  EXPECT_FALSE(parse_checkpoint_dir(1, argv3));
}

TEST(PythonReporter, PrintsSameLineFormat) {
  if (!have_python()) GTEST_SKIP() << "no " << kPython;
  int st = 0;
  std::string out = run_python(
      "from syne_tune import Reporter\n"
      "from syne_tune.report import Reporter as R2\n"
      "assert Reporter is R2\n"
      "r = Reporter()\n"
      "r(epoch=1, loss=0.5, nan=float('nan'))\n"
      "r(epoch=2, loss=1e-05)\n"
      "try:\n  r(st_x=1)\nexcept AssertionError:\n  print('reserved')\n",
      &st);
  ASSERT_EQ(st, 0) << out;
  const std::regex expected(
      R"(\[tune-metric\]: \{"epoch": 1, "loss": 0\.5, "nan": NaN, "st_worker_timestamp": [0-9.]+, )"
      R"("st_worker_time": [0-9.e-]+, "st_worker_iter": 0\}\n)"
      R"(\[tune-metric\]: \{"epoch": 2, "loss": 1e-05, .*"st_worker_iter": 1\}\nreserved\n)");
  EXPECT_TRUE(std::regex_match(out, expected)) << out;
}

TEST(PythonUtils, ConfigJsonParseBoolAndJsonCheckpoints) {
  if (!have_python()) GTEST_SKIP() << "no " << kPython;
  TempDir tmp;
  std::ofstream(tmp.path() / "config.json") << R"({"lr": 0.1, "epochs": 3})";
  int st = 0;
  std::string out = run_python(
      "from syne_tune.utils import load_config_json, parse_bool, json_load_save_functions, "
      "resume_from_checkpointed_model, checkpoint_model_at_rung_level\n"
      "c = load_config_json({'st_config_json_filename': '" + (tmp.path() / "config.json").string() +
      "', 'epochs': 5})\n"
      "assert c['lr'] == 0.1 and c['epochs'] == 5, c\n"
      "assert parse_bool('TRUE') and not parse_bool('false')\n"
      "state = {'w': 1}\n"
      "load, save = json_load_save_functions(state)\n"
      "cfg = {'st_checkpoint_dir': '" + (tmp.path() / "ck").string() + "'}\n"
      "assert resume_from_checkpointed_model(cfg, load) == 0\n"
      "checkpoint_model_at_rung_level(cfg, save, 4)\n"
      "state['w'] = 2\n"
      "assert resume_from_checkpointed_model(cfg, load) == 4 and state['w'] == 1\n"
      "print('ok')\n",
      &st);
  EXPECT_EQ(out, "ok\n");
  // Same file as the C++ helpers.
  EXPECT_EQ(load_checkpoint_epoch(tmp.path() / "ck"), 4);
}

TEST(LocalBackendPython, PrefixesPythonPathOnlyWithoutRealSyneTune) {
  if (!have_python()) GTEST_SKIP() << "no " << kPython;
  TempDir tmp;
  LocalBackendOptions opt;
  opt.entry_point = tmp.script("report_env.py",
                               "import os\nfrom syne_tune import Reporter\n"
                               "Reporter()(pp=os.environ.get('PYTHONPATH', ''))\n");
  opt.python = kPython;
  opt.python_package_dir = kPackageDir;
  opt.visible_gpus_override = std::vector<int>{};
  {
    LocalBackend b(opt);
    b.set_tuner_path(tmp.path() / "exp");
    b.start(0, Json::object(), std::nullopt);
    auto ev = collect(b, ended(1));
    ASSERT_EQ(count_kind(ev, Kind::kResult), 1) << read_text(b.trial_path(0) / "std.err");
    const std::string pp = ev[0].result.extra["pp"];
    // This machine has no real syne_tune (else the import in report_env.py would not need us).
    EXPECT_EQ(pp.rfind(fs::weakly_canonical(kPackageDir).string(), 0), 0u) << pp;
  }
  // An interpreter that can "import syne_tune" by itself gets PYTHONPATH untouched.
  opt.python = tmp.script("fake_python", "#!/bin/sh\n[ \"$1\" = -c ] && exit 0\nexec /bin/sh \"$@\"\n").string();
  opt.entry_point = tmp.script("report_env2.py", "echo \"[tune-metric]: {\\\"pp\\\": \\\"${PYTHONPATH-}\\\"}\"\n");
  LocalBackend b(opt);
  b.set_tuner_path(tmp.path() / "exp2");
  b.start(0, Json::object(), std::nullopt);
  auto ev = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev, Kind::kResult), 1);
  EXPECT_EQ(ev[0].result.extra["pp"].get<std::string>().find(kPackageDir.filename().string() + ":"),
            std::string::npos);
  EXPECT_EQ(ev[0].result.extra["pp"], std::getenv("PYTHONPATH") ? std::getenv("PYTHONPATH") : "");
}

TEST(LocalBackendPython, CheckpointExampleResumesWithoutRetrainingEpochs) {
  if (!have_python()) GTEST_SKIP() << "no " << kPython;
  TempDir tmp;
  LocalBackendOptions opt;
  opt.entry_point = fs::path(SYNETUNE_SOURCE_DIR) / "examples" / "checkpoint_example.py";
  opt.python = kPython;
  opt.python_package_dir = kPackageDir;
  opt.visible_gpus_override = std::vector<int>{};
  opt.kill_grace_period = 0.5;
  LocalBackend b(opt);
  b.set_tuner_path(tmp.path() / "exp");
  const Config config = {{"num_epochs", 6}, {"sleep_time", 0.02}};
  b.start(0, config, std::nullopt);
  collect(b, [](const auto& e) { return count_kind(e, Kind::kResult) >= 2; });
  b.pause(0);
  collect(b, [&](const auto&) { return b.num_processes() == 0; }, 3.0, 0.01);
  b.resume(0, config);
  auto ev = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev, Kind::kCompleted, 0), 1);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[ev.size() - 2].result.get("epoch"), 6.0);
  const std::string out = read_text(b.trial_path(0) / "std.out");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("resuming after epoch ([1-9])")));
  const int resumed_after = std::stoi(m[1]);
  EXPECT_GE(resumed_after, 2);
  for (int k = 1; k <= resumed_after; ++k) {  // checkpointed epochs were trained exactly once
    const std::string needle = "training epoch " + std::to_string(k) + "\n";
    std::size_t first = out.find(needle);
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(out.find(needle, first + 1), std::string::npos) << out;
  }
}

TEST(LocalBackendCpp, TrainCppReportsAndResumesFromCheckpoint) {
  // Built next to the CLI by the examples/*.cpp glob.
  const fs::path exe = fs::path(SYNETUNE_CLI).parent_path() / "train_cpp";
  if (!fs::exists(exe)) GTEST_SKIP() << "build target train_cpp first";
  TempDir tmp;
  LocalBackendOptions opt;
  opt.entry_point = exe;
  opt.visible_gpus_override = std::vector<int>{};
  LocalBackend b(opt);
  b.set_tuner_path(tmp.path() / "exp");
  b.start(0, {{"width", 3.5}, {"height", 20}, {"epochs", 3}}, std::nullopt);
  auto ev = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev, Kind::kResult), 3);
  EXPECT_EQ(ev[2].result.get("epoch"), 3.0);
  EXPECT_DOUBLE_EQ(ev[2].result.get("mean_loss"), 1.0 / (0.1 + 3.5 * 2 / 100.0) + 2.0);
  EXPECT_TRUE(ev[0].result.has("st_worker_time"));
  b.resume(0, {{"width", 3.5}, {"height", 20}, {"epochs", 4}});  // continues after epoch 3
  auto ev2 = collect(b, ended(1));
  ASSERT_EQ(count_kind(ev2, Kind::kResult), 1);
  EXPECT_EQ(ev2[0].result.get("epoch"), 4.0);
  EXPECT_EQ(ev2[0].result.get("st_worker_iter"), 0.0);
}

}  // namespace
}  // namespace synetune
