// End-to-end: bad input fails up front (exit 2, the flag named, nothing created), typos in the
// config space and metric names are errors, and a string metric fails only its trial.
#include <gtest/gtest.h>

#include "e2e/e2e_util.hpp"

namespace synetune::e2e {
namespace {

bool has_subfolder(const fs::path& root) {
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) return true;
  return false;
}

// A tuning that would run (one trial of the height example) but for the `extra` flags.
std::vector<std::string> tune_args(std::vector<std::string> extra, bool with_space = true) {
  std::vector<std::string> args = {
      "tune", "--entry-point", script("train_height_syne_tune.py").string(), "--python",
      "/usr/bin/python3", "--metric", "mean_loss", "--max-num-trials-started", "1", "--quiet"};
  if (with_space)
    args.insert(args.end(), {"--param", "width=uniform(0,20)", "--param", "height=randint(-100,100)"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

struct BadInput {
  std::vector<std::string> args;  // after the subcommand's fixed part (see command())
  std::string command;            // tune, resume, benchmark, plot, show, list, config
  std::string message;            // expected in stderr; names the flag
};

// Every numeric flag of every subcommand with a value out of its range, and the other flags
// with values they cannot take. `@` stands for the test's experiment root.
const std::vector<BadInput> kBadInputs = {
    {{"--n-workers", "0"}, "tune", "--n-workers must be an integer between 1 and 4096, got 0"},
    {{"--n-workers", "4.5"}, "tune", "--n-workers must be an integer between 1 and 4096"},
    {{"--n-workers", "abc"}, "tune", "--n-workers must be an integer"},
    {{"--seed", "-1"}, "tune", "--seed must be an integer between 0 and 18446744073709551615"},
    {{"--max-failures", "-1"}, "tune", "--max-failures must be an integer between 0 and"},
    {{"--max-wallclock-time", "-5"}, "tune",
     "--max-wallclock-time must be a number greater than 0 and at most 1000000000, got -5"},
    {{"--max-wallclock-time", "nan"}, "tune", "--max-wallclock-time must be a number"},
    {{"--max-num-evaluations", "-1"}, "tune", "--max-num-evaluations must be an integer"},
    {{"--max-num-trials-started", "-1"}, "tune", "--max-num-trials-started must be an integer"},
    {{"--max-num-trials-completed", "1e99"}, "tune", "--max-num-trials-completed must be an integer"},
    {{"--max-num-trials-finished", "-2"}, "tune", "--max-num-trials-finished must be an integer"},
    {{"--max-cost", "-1"}, "tune", "--max-cost must be a number between 0 and"},
    {{"--max-metric-value", "mean_loss=abc"}, "tune", "--max-metric-value mean_loss: 'abc' is not a number"},
    {{"--min-metric-value", "mean_loss=inf"}, "tune", "--min-metric-value mean_loss: 'inf' is not a finite"},
    {{"--gpus-per-trial", "-1"}, "tune", "--gpus-per-trial must be an integer between 0 and 1024"},
    {{"--gpus", "0", "--gpus", "-2"}, "tune", "--gpus must be an integer between 0 and 1023, got -2"},
    {{"--kill-grace-period", "-1"}, "tune", "--kill-grace-period must be a number between 0 and 3600"},
    {{"--slurm-cpus-per-task", "-1"}, "tune", "--slurm-cpus-per-task must be an integer"},
    {{"--slurm-gpus-per-trial", "-1"}, "tune", "--slurm-gpus-per-trial must be an integer"},
    {{"--method", "ASHA", "--max-t", "0"}, "tune", "--max-t must be a number between 1 and 1000000000, got 0"},
    {{"--method", "ASHA", "--max-t", "2.5"}, "tune", "--max-t must be a positive integer (a resource level), got 2.5"},
    {{"--method", "ASHA"}, "tune", "Hyperband needs --max-t: pass --max-t, or give the space"},
    {{"--method", "ASHA", "--max-t", "5", "--grace-period", "0"}, "tune", "--grace-period must be an integer between 1 and"},
    {{"--method", "ASHA", "--max-t", "5", "--grace-period", "10"}, "tune", "--grace-period = 10 exceeds --max-t = 5: no rung would exist"},
    {{"--method", "ASHA", "--param", "epochs=5", "--grace-period", "6"}, "tune", "--grace-period = 6 exceeds --max-t = 5"},
    {{"--method", "ASHA", "--max-t", "5", "--reduction-factor", "1"}, "tune", "--reduction-factor must be a number between 2 and 1000"},
    {{"--method", "Hyperband", "--max-t", "9", "--brackets", "0"}, "tune", "--brackets must be an integer between 1 and 100"},
    {{"--method", "Hyperband", "--max-t", "9", "--brackets", "9"}, "tune", "--brackets = 9 exceeds #rungs + 1 = 3"},
    {{"--method", "ASHA", "--max-t", "9", "--type", "halving"}, "tune", "--type: halving not in {stopping,promotion}"},
    {{"--method", "PBT", "--population-size", "0"}, "tune", "--population-size must be an integer between 1 and 10000"},
    {{"--method", "PBT", "--perturbation-interval", "0"}, "tune", "--perturbation-interval must be a number greater than 0"},
    {{"--method", "PBT", "--quantile-fraction", "0.9"}, "tune", "--quantile-fraction must be a number between 0 and 0.5"},
    {{"--method", "PBT", "--resample-probability", "2"}, "tune", "--resample-probability must be a number between 0 and 1"},
    {{"--method", "ASHA", "--max-t", "5", "--method-options", R"({"grace_period": 0})"}, "tune",
     "--method-options: option 'grace_period' must be >= 1, got 0"},
    {{"--method-options", "{"}, "tune", "--method-options must be JSON"},
    {{"--points-to-evaluate", "{\"width\": 1}"}, "tune", "--points-to-evaluate must be a JSON list"},
    {{"--method", "Randm"}, "tune", "--method: unknown method 'Randm'"},
    {{"--mode", "median"}, "tune", "--mode: median not in {min,max}"},
    {{"--backend", "cloud"}, "tune", "--backend: cloud not in"},
    {{"--launcher", "k8s"}, "tune", "--launcher: k8s not in"},
    {{"--param", "x=uniform(0,1"}, "tune", "--param: hyperparameter 'x'"},
    {{"--metadata", "novalue"}, "tune", "--metadata expects name=value"},
    {{"--simulator-latency", "-1"}, "tune", "--simulator-latency must be a number between 0 and 3600"},
    {{"--results-update-interval", "0"}, "tune", "--results-update-interval must be a number greater than 0"},
    {{"--print-update-interval", "-1"}, "tune", "--print-update-interval must be a number between 0 and"},
    {{"--backend", "simulator", "--benchmark", "no_such_benchmark"}, "tune", "--benchmark: "},
    {{"--bogus-flag", "1"}, "tune", "--bogus-flag"},
    {{"--max-wallclock-time", "-5"}, "resume", "--max-wallclock-time must be a number greater than 0"},
    {{"--n-workers", "0"}, "resume", "--n-workers must be an integer between 1 and 4096, got 0"},
    {{"--max-failures", "-1"}, "resume", "--max-failures must be an integer between 0 and"},
    {{"--max-num-evaluations", "-1"}, "resume", "--max-num-evaluations must be an integer"},
    {{"--max-num-trials-started", "x"}, "resume", "--max-num-trials-started must be an integer"},
    {{"--max-num-trials-completed", "-1"}, "resume", "--max-num-trials-completed must be an integer"},
    {{"--max-num-trials-finished", "-1"}, "resume", "--max-num-trials-finished must be an integer"},
    {{"--max-cost", "-3"}, "resume", "--max-cost must be a number between 0 and"},
    {{"--seeds", "0-100000000000"}, "benchmark", "--seeds must name at most 10000 seeds"},
    {{"--seeds", "0-9999,10000"}, "benchmark", "--seeds must name at most 10000 seeds"},
    {{"--seeds", "5-2"}, "benchmark", "--seeds: '5-2' is not a seed or a range"},
    {{"--seeds", "-3"}, "benchmark", "--seeds: '-3' is not a seed"},
    {{"--n-workers", "0"}, "benchmark", "--n-workers must be an integer between 1 and 4096, got 0"},
    {{"--max-wallclock-time", "-1"}, "benchmark", "--max-wallclock-time must be a number greater than 0"},
    {{"--max-num-evaluations", "-1"}, "benchmark", "--max-num-evaluations must be an integer between 0"},
    {{"--threads", "-1"}, "benchmark", "--threads must be an integer between 0 and 1024"},
    {{"--method-options", "[1]"}, "benchmark", "--method-options must be a JSON object"},
    {{"--width", "0"}, "plot", "--width must be an integer between 100 and 10000, got 0"},
    {{"--height", "99999"}, "plot", "--height must be an integer between 100 and 10000, got 99999"},
    {{"--bogus"}, "show", "--bogus"},
    {{"--bogus", "1"}, "list", "--bogus"},
    {{R"({"n_workers": 0})"}, "config",
     "--n-workers must be an integer between 1 and 4096, got 0 (key 'n_workers' of --config "},
    {{R"({"bogus_key": 1})"}, "config", "key 'bogus_key' of --config "},
    {{R"({"quiet": 3})"}, "config", "key 'quiet' of --config "},
    {{R"({"n-workers": true})"}, "config", "key 'n-workers' of --config "},
    {{R"j({"param": ["x=unifrom(0,1)"]})j"}, "config", "(did you mean 'uniform'?)"},
    {{"{bad json"}, "config", "is not valid JSON"},
    {{"[1, 2]"}, "config", "must hold a JSON object"},
};

// The full command line of a case; `config` cases write their JSON to a file under `root`.
std::vector<std::string> command(const BadInput& c, const fs::path& root) {
  std::vector<std::string> args;
  if (c.command == "tune") return tune_args(c.args);
  if (c.command == "config") {
    std::ofstream(root / "flags.json") << c.args[0];
    return tune_args({"--config", (root / "flags.json").string()}, false);
  }
  if (c.command == "resume") args = {"resume", "some-experiment"};
  if (c.command == "benchmark")
    args = {"benchmark", "--methods", "RandomSearch", "--benchmarks", "branin",
            "--max-num-evaluations", "5", "-o", (root / "bench").string(), "--quiet", "--no-plot"};
  if (c.command == "plot") args = {"plot", "some-experiment", "-o", (root / "p.png").string()};
  if (c.command == "show") args = {"show", "some-experiment"};
  if (c.command == "list") args = {"list"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  return args;
}

TEST(InputValidation, EveryBadFlagValueExitsTwoNamingTheFlagAndCreatesNothing) {
  for (const auto& c : kBadInputs) {
    TempRoot root;
    CliRun r = run_cli(command(c, root.path()), root.path());
    std::string shown = c.command;
    for (const auto& a : c.args) shown += " " + a;
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << shown << "\nstderr: " << r.err;
    EXPECT_FALSE(has_subfolder(root.path())) << shown << ": an experiment folder was created";
    EXPECT_LT(r.seconds, 10.0) << shown;  // 0-100000000000 must not allocate first
  }
}

TEST(InputValidation, ConfigFileErrorsNameTheFile) {
  TempRoot root;
  const fs::path missing = root.path() / "missing.json";
  CliRun r = run_cli(tune_args({"--config", missing.string()}), root.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config " + missing.string() + ": cannot read"), std::string::npos) << r.err;
  std::ofstream(root.path() / "bad.json") << "{\"n-workers\": ";
  r = run_cli(tune_args({"--config", (root.path() / "bad.json").string()}), root.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((root.path() / "bad.json").string() + " is not valid JSON"), std::string::npos) << r.err;
  EXPECT_FALSE(has_subfolder(root.path()));
}

// Malformed domains used to become string constants: the tuning ran and tuned nothing.
TEST(InputValidation, MalformedDomainsAreErrorsAndQuotedParenthesesAConstant) {
  for (const char* p : {"x=uniform(0,1", "x=choice(a,b", "x=garbage((", "x=loguniform(1e-4)",
                        "x=randint(1,x)", "x=unifrom(0,1)"}) {
    TempRoot root;
    CliRun r = run_cli(tune_args({"--param", p}), root.path());
    EXPECT_EQ(r.exit_code, 2) << p << "\n" << r.err;
    EXPECT_NE(r.err.find("hyperparameter 'x'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("loguniform(l,u), randint(l,u)"), std::string::npos) << r.err;
    EXPECT_FALSE(has_subfolder(root.path())) << p;
  }
  TempRoot root;
  CliRun r = run_cli({"tune", "--entry-point", script("echo_args.py").string(), "--python",
                      "/usr/bin/python3", "--metric", "loss", "--param", "f=\"f(x)\"", "--param",
                      "a=uniform (0,1)", "--n-workers", "1", "--max-num-trials-finished", "0",
                      "--quiet"},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json cfg = Json::parse(read_file(root.experiment() / "0" / "config.json"));
  EXPECT_EQ(cfg["f"], "f(x)");
  EXPECT_TRUE(cfg["a"].is_number_float()) << cfg.dump();  // tuned, not the string "uniform (0,1)"
}

// Syne Tune fails fast on a metric the trials do not report; we used to run to the end, exit 0.
TEST(InputValidation, MetricNeverReportedStopsAtTheFirstResultWithExitTwo) {
  TempRoot root;
  auto args = tune_args({"--param", "epochs=50", "--n-workers", "2", "--max-wallclock-time", "120"});
  args[6] = "val_loss";  // the script reports mean_loss
  args[8] = "100";       // --max-num-trials-started: the limit is not what stops it
  CliRun r = run_cli(args, root.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("without the metric 'val_loss'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the keys it reported: epoch, mean_loss"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds, 30.0);
  const fs::path exp = root.experiment();
  for (const char* f : {"metadata.json", "journal.jsonl", "results.csv.zip", "tuner.json"})
    EXPECT_TRUE(fs::exists(exp / f)) << f;
  EXPECT_LE(journal(exp, "trial_start").size(), 2u);
  ASSERT_EQ(journal(exp, "tuning_end").size(), 1u);
  // No trial is left running: each started trial has ended with a status.
  EXPECT_EQ(journal(exp, "status").size(), journal(exp, "trial_start").size());
}

// A string where the metric belongs fails that trial (reason given); the others go on, and
// results.csv.zip keeps a numeric metric column.
TEST(InputValidation, StringMetricFailsItsTrialAndTheTuningContinues) {
  TempRoot root;
  CliRun r = run_cli({"tune", "--entry-point", script("string_metric.py").string(), "--python",
                      "/usr/bin/python3", "--metric", "loss", "--param", "x=uniform(0,1)",
                      "--n-workers", "1", "--max-num-trials-finished", "3", "--max-failures",
                      "10", "--quiet"},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path exp = root.experiment();
  int failed = 0, completed = 0;
  for (const auto& j : journal(exp, "status")) {
    if (j["status"] == "Failed") {
      ++failed;
      EXPECT_EQ(j["trial_id"].get<int>() % 2, 1);
      EXPECT_EQ(j["reason"], "metric loss is the string \"abc\", not a number");
    }
    if (j["status"] == "Completed") ++completed;
  }
  EXPECT_EQ(failed, 2);
  EXPECT_GE(completed, 2);
  for (const auto& j : journal(exp, "result")) EXPECT_TRUE(j["result"]["loss"].is_number()) << j.dump();
  const std::string cmd = "/usr/bin/python3 -c \"import pandas as pd, sys; "
                          "sys.exit(0 if pd.read_csv(sys.argv[1]).loss.dtype == 'float64' else 1)\" " +
                          (exp / "results.csv.zip").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace synetune::e2e
