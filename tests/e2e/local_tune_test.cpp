// End-to-end tests: the real CLI tunes real scripts on the local backend.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e/e2e_util.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune::e2e {
namespace {

std::vector<std::string> base_args(const std::string& entry, const std::string& metric) {
  return {"tune", "--entry-point", script(entry).string(), "--metric", metric, "--quiet",
          "--python", "/usr/bin/python3", "--seed", "1"};
}

TEST(LocalTune, SyneTuneScriptRunsUnmodified) {
  TempRoot root;
  auto args = base_args("train_height_syne_tune.py", "mean_loss");
  args.insert(args.end(), {"--param", "width=uniform(0,20)", "--param", "height=randint(-100,100)",
                           "--param", "epochs=4", "--n-workers", "2", "--max-num-trials-completed", "4"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path exp = root.experiment();
  EXPECT_EQ(exp.filename().string().rfind("train-height-syne-tune-", 0), 0u) << exp;
  auto results = journal(exp, "result");
  ASSERT_GE(results.size(), 20u);  // >= 5 completed trials x 4 epochs
  std::set<long> completed;
  for (const auto& j : journal(exp, "status"))
    if (j["status"] == "Completed") completed.insert(j["trial_id"].get<long>());
  EXPECT_GE(completed.size(), 5u);  // strict >: 5 completed trials
  std::map<long, std::vector<double>> epochs;
  for (const auto& j : results) {
    const auto& res = j["result"];
    EXPECT_TRUE(res.contains("st_worker_timestamp"));
    EXPECT_TRUE(res.contains("st_worker_time"));
    EXPECT_TRUE(res.contains("st_worker_iter"));
    epochs[j["trial_id"].get<long>()].push_back(res["epoch"].get<double>());
  }
  for (long id : completed) EXPECT_EQ(epochs[id], (std::vector<double>{1, 2, 3, 4})) << id;
  for (const char* f : {"config.json", "std.out", "std.err"})
    EXPECT_TRUE(fs::exists(exp / "0" / f)) << f;
  Json cfg = Json::parse(read_file(exp / "0" / "config.json"));
  EXPECT_EQ(cfg["epochs"], 4);
  EXPECT_TRUE(cfg.contains("width") && cfg.contains("height"));
  EXPECT_NE(r.out.find("Best config"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(exp / "metadata.json"));
  EXPECT_TRUE(fs::exists(exp / "results.csv.zip"));
}

TEST(LocalTune, ResultsCsvZipReadsInPandasColumnByColumn) {
  TempRoot root;
  auto args = base_args("train_height_syne_tune.py", "mean_loss");
  args.insert(args.end(), {"--param", "width=uniform(0,20)", "--param", "height=randint(-100,100)",
                           "--param", "epochs=3", "--param", "act=choice(relu,tanh)",
                           "--max-num-trials-completed", "2", "--metadata", "user=alice"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path exp = root.experiment();
  std::string py =
      "import pandas as pd, json, sys\n"
      "df = pd.read_csv(sys.argv[1] + '/results.csv.zip')\n"
      "print(json.dumps({'columns': list(df.columns), 'rows': len(df),\n"
      "  'decisions': sorted(set(df.st_decision)), 'statuses': sorted(set(df.st_status)),\n"
      "  'trial_dtype': str(df.trial_id.dtype), 'width_ok': bool(df.config_width.between(0, 20).all()),\n"
      "  'height_int': str(df.config_height.dtype), 'acts': sorted(set(df.config_act)),\n"
      "  'epochs': sorted(set(df.config_epochs)), 'time_monotone': bool(df.st_tuner_time.is_monotonic_increasing),\n"
      "  'loss_finite': bool(df.mean_loss.notna().all())}))\n";
  std::ofstream(root.path() / "check.py") << py;
  std::string cmd = "/usr/bin/python3 " + (root.path() / "check.py").string() + " " + exp.string() +
                    " > " + (root.path() / "check.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Json c = Json::parse(read_file(root.path() / "check.json"));
  EXPECT_EQ(c["columns"], Json::parse(R"(["epoch", "mean_loss", "st_worker_timestamp", "st_worker_time",
      "st_worker_iter", "st_decision", "st_status", "trial_id", "config_width", "config_height",
      "config_epochs", "config_act", "st_tuner_time"])"));
  EXPECT_EQ(c["rows"].get<std::size_t>(), journal(exp, "result").size());
  for (const auto& d : c["decisions"]) EXPECT_TRUE(d == "CONTINUE" || d == "STOP") << d;
  EXPECT_EQ(c["statuses"], Json::array({"InProgress"}));
  EXPECT_EQ(c["trial_dtype"], "int64");
  EXPECT_EQ(c["width_ok"], true);
  EXPECT_EQ(c["height_int"], "int64");
  for (const auto& a : c["acts"]) EXPECT_TRUE(a == "relu" || a == "tanh");
  EXPECT_EQ(c["epochs"], Json::array({3}));
  EXPECT_EQ(c["time_monotone"], true);
  EXPECT_EQ(c["loss_finite"], true);
  Json md = Json::parse(read_file(exp / "metadata.json"));
  EXPECT_EQ(md["user"], "alice");
  EXPECT_EQ(md["entrypoint"], "train_height_syne_tune");
  EXPECT_EQ(md["backend"], "LocalBackend");
  EXPECT_EQ(md["metric_names"], Json::array({"mean_loss"}));
  EXPECT_EQ(md["metric_mode"], "min");
  Json space = Json::parse(md["config_space"].get<std::string>());  // a JSON string, as Syne Tune
  EXPECT_EQ(space["width"]["domain_cls"], "Float");
  EXPECT_EQ(space["epochs"], 3);
}

TEST(LocalTune, CrashingTrialsFailWithReasonAndTuningGoesOn) {
  TempRoot root;
  auto args = base_args("crash_some.py", "loss");
  args.insert(args.end(), {"--param", "x=uniform(0,1)", "--max-failures", "100",
                           "--max-num-trials-finished", "9", "--n-workers", "3"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int failed = 0, completed = 0;
  for (const auto& j : journal(root.experiment(), "status")) {
    if (j["status"] == "Failed") {
      ++failed;
      std::string reason = j["reason"];
      EXPECT_NE(reason.find("exit code 1"), std::string::npos) << reason;
      EXPECT_NE(reason.find("too large"), std::string::npos) << reason;  // stderr tail
    }
    if (j["status"] == "Completed") ++completed;
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(completed, 0);
  EXPECT_NE(r.err.find("failed"), std::string::npos);
}

TEST(LocalTune, TooManyFailuresStopWithNonZeroExit) {
  TempRoot root;
  auto args = base_args("crash_some.py", "loss");
  args.insert(args.end(), {"--param", "x=uniform(0.6,1)", "--max-failures", "1",
                           "--max-num-trials-finished", "50", "--n-workers", "1"});
  CliRun r = run_cli(args, root.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("max-failures"), std::string::npos) << r.err;
  EXPECT_EQ(journal(root.experiment(), "trial_start").size(), 2u);
}

TEST(LocalTune, GarbageAndHugeLinesAreSkippedNotFatal) {
  TempRoot root;
  auto args = base_args("garbage.sh", "loss");
  args.insert(args.end(), {"--param", "x=uniform(0,1)", "--n-workers", "1",
                           "--max-num-trials-finished", "0"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto results = journal(root.experiment(), "result");
  ASSERT_EQ(results.size(), 3u) << r.err;
  EXPECT_EQ(results[0]["result"]["epoch"], 1);
  EXPECT_TRUE(std::isnan(results[0]["result"]["loss"].get<double>()));
  EXPECT_EQ(results[1]["result"]["loss"], 0.5);
  EXPECT_EQ(results[1]["result"]["note"], "fine");
  EXPECT_TRUE(std::isinf(results[2]["result"]["loss"].get<double>()));
  EXPECT_NE(r.err.find("trial 0"), std::string::npos) << r.err;  // warnings name the trial
  auto status = journal(root.experiment(), "status");
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.back()["status"], "Completed");
}

TEST(LocalTune, HangingTrialIsKilledAtTheWallclockLimit) {
  TempRoot root;
  auto args = base_args("hang.sh", "loss");
  args.insert(args.end(), {"--param", "x=uniform(0,1)", "--n-workers", "2",
                           "--max-wallclock-time", "1.5", "--kill-grace-period", "0.3"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.seconds, 6.0);
  auto status = journal(root.experiment(), "status");
  ASSERT_EQ(status.size(), 2u);
  for (const auto& s : status) EXPECT_EQ(s["status"], "Stopped");
  EXPECT_TRUE(fs::exists(root.experiment() / "0" / "stop"));
  // No hang.sh of this experiment survives.
  // "[h]ang.sh" keeps the pattern from matching this pgrep's own shell.
  std::string path = script("hang.sh").string();
  path.replace(path.size() - 7, 1, "[h]");
  std::string ps = "pgrep -f '" + path + "' >/dev/null";
  // Killed processes take a moment to exit on a loaded machine: poll, up to 3 s.
  bool alive = true;
  for (int i = 0; i < 30 && alive; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alive = std::system(ps.c_str()) == 0;
  }
  EXPECT_FALSE(alive) << "a hanging trial process is still alive";
}

TEST(LocalTune, ValuesWithSpacesListsAndNegativesArriveIntact) {
  TempRoot root;
  auto args = base_args("echo_args.py", "loss");
  args.insert(args.end(), {"--param", "name=choice(\"a b\", \"a  b\")", "--param", "neg=-3",
                           "--param", "f=-0.25", "--param", "lst=[1, 2]", "--param", "tiny=1e-05",
                           "--n-workers", "1", "--max-num-trials-finished", "0"});
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json argv = Json::parse(read_file(root.experiment() / "0" / "checkpoints" / "argv.json"));
  auto value_of = [&](const std::string& flag) -> std::string {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == flag) return argv[i + 1];
    return "<missing>";
  };
  EXPECT_TRUE(value_of("--name") == "a b" || value_of("--name") == "a  b") << value_of("--name");
  EXPECT_EQ(value_of("--neg"), "-3");
  EXPECT_EQ(value_of("--f"), "-0.25");
  EXPECT_EQ(value_of("--lst"), "[1,2]");
  EXPECT_EQ(value_of("--tiny"), "1e-05");
  EXPECT_EQ(value_of("--st_checkpoint_dir"), (root.experiment() / "0" / "checkpoints").string());
}

TEST(LocalTune, SigkillOfTheTunerLosesNoReportedResult) {
  TempRoot root;
  auto args = base_args("slow_reporter.py", "loss");
  args.insert(args.end(), {"--param", "x=uniform(0,1)", "--param", "n=1000", "--param", "dt=0.005",
                           "--n-workers", "3", "--max-wallclock-time", "60"});
  pid_t pid = spawn_cli(args, root.path());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ::kill(pid, SIGKILL);
  wait_cli(pid, root.path());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // orphaned trials die on SIGPIPE
  fs::path exp = root.experiment();
  // Every metric line the tuner read (it copies them into std.out as it reads) is in the journal.
  std::size_t printed = 0;
  for (const auto& e : fs::directory_iterator(exp)) {
    if (!e.is_directory()) continue;
    std::istringstream in(read_file(e.path() / "std.out"));
    for (std::string line; std::getline(in, line);)
      if (line.rfind("[tune-metric]: ", 0) == 0 && line.back() == '}') ++printed;
  }
  auto results = journal(exp, "result");
  EXPECT_GT(results.size(), 50u);
  EXPECT_GE(results.size() + 3, printed);  // at most one in-flight line per worker
  std::set<std::pair<long, long>> seen;
  for (const auto& j : results)
    EXPECT_TRUE(seen.insert({j["trial_id"].get<long>(), j["result"]["st_worker_iter"].get<long>()}).second)
        << "duplicated result";
}

}  // namespace
}  // namespace synetune::e2e
