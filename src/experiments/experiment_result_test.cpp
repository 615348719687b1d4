#include "synetune/experiments/experiment_result.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "synetune/core/error.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/experiments/benchmark_runner.hpp"
#include "synetune/experiments/experiment_plot.hpp"
#include "synetune/experiments/experiment_summary.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune {
namespace {
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int n = 0;
    path_ = fs::temp_directory_path() / ("synetune-exp-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json metadata(const std::string& name, const std::string& mode, double created) {
  return Json{{"st_tuner_creation_timestamp", created}, {"entrypoint", "train"}, {"backend", "LocalBackend"},
              {"metric_names", {"loss"}}, {"metric_mode", mode}, {"tuner_name", name},
              {"synetune_args", {{"metric", "loss"}}}, {"user", "alice"}, {"tag", "exp-7"}};
}

// Three trials: 0 completes (loss 5 -> 3), 1 is stopped at loss 4, 2 fails after loss 1.
// `finished`: ends with tuning_end; otherwise ends with a truncated line (killed mid-write).
fs::path write_experiment(const fs::path& root, const std::string& name, const std::string& mode,
                          bool finished, double created = 1000.0) {
  fs::path dir = root / name;
  fs::create_directories(dir);
  std::ofstream(dir / "metadata.json") << metadata(name, mode, created).dump(2);
  std::ofstream j(dir / "journal.jsonl");
  j << R"({"event": "tuning_start", "time": 0, "tuner_name": ")" << name << R"(", "resumed": false})" "\n"
    << R"({"event": "trial_start", "trial_id": 0, "time": 0.1, "resumed": false, "config": {"lr": 0.1, "act": "relu", "epochs": 2}})" "\n"
    << R"({"event": "trial_start", "trial_id": 1, "time": 0.2, "resumed": false, "config": {"lr": 0.01, "act": "tanh", "epochs": 2}})" "\n"
    << R"({"event": "result", "trial_id": 0, "time": 1.0, "status": "InProgress", "decision": "CONTINUE", "result": {"epoch": 1, "loss": 5.0}})" "\n"
    << R"({"event": "result", "trial_id": 1, "time": 1.5, "status": "InProgress", "decision": "STOP", "result": {"epoch": 1, "loss": 4.0}})" "\n"
    << R"({"event": "status", "trial_id": 1, "time": 1.6, "status": "Stopped", "reason": "stopped by the scheduler"})" "\n"
    << R"({"event": "result", "trial_id": 0, "time": 2.0, "status": "InProgress", "decision": "CONTINUE", "result": {"epoch": 2, "loss": 3.0, "note": "ok"}, "extra": {"cb": 7}})" "\n"
    << R"({"event": "status", "trial_id": 0, "time": 2.1, "status": "Completed", "reason": ""})" "\n"
    << R"({"event": "trial_start", "trial_id": 2, "time": 2.2, "resumed": false, "config": {"lr": 0.5, "act": "relu", "epochs": 2}})" "\n"
    << R"({"event": "result", "trial_id": 2, "time": 3.0, "status": "InProgress", "decision": "CONTINUE", "result": {"epoch": 1, "loss": 1.0}})" "\n"
    << R"({"event": "status", "trial_id": 2, "time": 3.5, "status": "Failed", "reason": "exit code 1"})" "\n";
  if (finished)
    j << R"({"event": "tuning_end", "time": 4.0, "reason": "max_num_trials_finished: 3 > 2"})" "\n";
  else
    j << R"({"event": "result", "trial_id": 3, "time": 3.8, "status": "InPro)";
  return dir;
}

TEST(ExperimentResult, ReadsJournalOfRunningExperimentIgnoringTruncatedLine) {
  TempDir root;
  fs::path dir = write_experiment(root.path(), "exp-a", "min", /*finished=*/false);
  ExperimentResult r = load_experiment(dir.string());
  EXPECT_EQ(r.name, "exp-a");
  EXPECT_TRUE(r.from_journal);
  EXPECT_EQ(r.skipped_journal_lines, 1u);
  EXPECT_FALSE(r.finished);
  ASSERT_EQ(r.results.size(), 4u);
  EXPECT_EQ(r.results[1].decision, Decision::kStop);
  EXPECT_DOUBLE_EQ(r.results[2].get("cb"), 7.0);  // callback column from "extra"
  EXPECT_EQ(r.results[2].values["note"], "ok");
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_EQ(r.trials[0].status, TrialStatus::kCompleted);
  EXPECT_EQ(r.trials[1].status, TrialStatus::kStopped);
  EXPECT_EQ(r.trials[2].status, TrialStatus::kFailed);
  EXPECT_EQ(r.trials[2].reason, "exit code 1");
  EXPECT_EQ(r.trials[0].num_results, 2u);
  EXPECT_DOUBLE_EQ(r.trials[0].best_metric, 3.0);
  EXPECT_EQ(r.trials[1].config["act"], "tanh");
  EXPECT_DOUBLE_EQ(r.tuner_time_used, 3.5);
  const double now = r.last_update + 42.2;
  EXPECT_EQ(r.status_string(now), "running (last update 42 s ago)");
}

TEST(ExperimentResult, BestConfigForMinAndMax) {
  TempDir root;
  ExperimentResult mn = load_experiment_folder(write_experiment(root.path(), "mn", "min", true));
  auto b = mn.best_config(0);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->trial_id, 2);
  EXPECT_DOUBLE_EQ(b->value, 1.0);
  EXPECT_EQ(b->config["lr"], 0.5);
  EXPECT_EQ(b->mode, Mode::kMin);
  EXPECT_TRUE(mn.finished);
  EXPECT_EQ(mn.status_string(0), "finished (max_num_trials_finished: 3 > 2)");

  ExperimentResult mx = load_experiment_folder(write_experiment(root.path(), "mx", "max", true));
  auto c = mx.best_config("loss");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trial_id, 0);
  EXPECT_DOUBLE_EQ(c->value, 5.0);
  EXPECT_EQ(c->config["act"], "relu");
  EXPECT_DOUBLE_EQ(mx.trials[0].best_metric, 5.0);
  EXPECT_EQ(mx.best_trial_per_metric().size(), 1u);
  EXPECT_THROW(mx.best_config("accuracy"), InvalidArgument);
  EXPECT_THROW(mx.best_config(3), InvalidArgument);
}

TEST(ExperimentResult, BestSoFarIsCumulativeByMode) {
  TempDir root;
  ExperimentResult r = load_experiment_folder(write_experiment(root.path(), "a", "min", true));
  auto mn = r.best_so_far("loss", Mode::kMin);
  std::vector<std::pair<double, double>> want_min{{1.0, 5.0}, {1.5, 4.0}, {2.0, 3.0}, {3.0, 1.0}};
  EXPECT_EQ(mn, want_min);
  auto mx = r.best_so_far("loss", Mode::kMax);
  std::vector<std::pair<double, double>> want_max{{1.0, 5.0}, {1.5, 5.0}, {2.0, 5.0}, {3.0, 5.0}};
  EXPECT_EQ(mx, want_max);
}

TEST(ExperimentResult, FallsBackToResultsCsvZipWithoutJournal) {
  TempDir root;
  fs::path dir = root.path() / "csv-only";
  fs::create_directories(dir);
  std::ofstream(dir / "metadata.json") << metadata("csv-only", "min", 5).dump();
  ResultsTable table;
  table.set_config(0, Json{{"lr", 0.1}, {"act", "relu, \"quoted\""}, {"layers", 3}});
  table.set_config(1, Json{{"lr", 0.2}, {"act", "tanh"}, {"layers", 4}});
  Result r0 = Result::from_json(0, Json{{"epoch", 1}, {"loss", 2.5}});
  Result r1 = Result::from_json(1, Json{{"epoch", 1}, {"loss", 0.5}});
  table.add(r0, Decision::kContinue, TrialStatus::kInProgress, 1.25, Json());
  table.add(r1, Decision::kStop, TrialStatus::kInProgress, 2.5, Json());
  table.write_csv_zip(dir / "results.csv.zip");
  ExperimentResult r = load_experiment("csv-only", root.path());
  EXPECT_FALSE(r.from_journal);
  EXPECT_TRUE(r.finished);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_DOUBLE_EQ(r.results[1].tuner_time, 2.5);
  EXPECT_EQ(r.results[1].decision, Decision::kStop);
  ASSERT_EQ(r.trials.size(), 2u);
  EXPECT_EQ(r.trials[0].config["act"], "relu, \"quoted\"");
  EXPECT_TRUE(r.trials[0].config["layers"].is_number_integer());
  EXPECT_EQ(r.trials[1].config["layers"], 4);
  auto b = r.best_config();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->trial_id, 1);
  EXPECT_DOUBLE_EQ(b->value, 0.5);
  EXPECT_DOUBLE_EQ(r.tuner_time_used, 2.5);
}

TEST(ExperimentResult, JournalWinsOverStaleTable) {
  TempDir root;
  fs::path dir = write_experiment(root.path(), "both", "min", false);
  ResultsTable table;  // written at the last update interval: fewer rows than the journal
  table.set_config(0, Json{{"lr", 0.1}});
  table.add(Result::from_json(0, Json{{"loss", 5.0}}), Decision::kContinue, TrialStatus::kInProgress, 1.0, Json());
  table.write_csv_zip(dir / "results.csv.zip");
  ExperimentResult r = load_experiment_folder(dir);
  EXPECT_TRUE(r.from_journal);
  EXPECT_EQ(r.results.size(), 4u);
}

TEST(ExperimentResult, ResolvesNamesPrefixesAndReportsMisses) {
  TempDir root;
  write_experiment(root.path(), "height-2024-01-01", "min", true);
  write_experiment(root.path(), "height-2024-01-02", "min", true);
  write_experiment(root.path(), "other-2024", "min", true);
  EXPECT_EQ(load_experiment("height-2024-01-02", root.path()).name, "height-2024-01-02");
  EXPECT_EQ(load_experiment("oth", root.path()).name, "other-2024");
  try {
    load_experiment("height", root.path());
    FAIL() << "ambiguous prefix accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("height-2024-01-01"), std::string::npos) << e.what();
  }
  try {
    load_experiment("nothing", root.path());
    FAIL() << "missing experiment accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("synetune list"), std::string::npos) << e.what();
  }
}

TEST(ExperimentResult, ListsExperimentsByCreationTime) {
  TempDir root;
  write_experiment(root.path(), "late", "min", true, 3000.0);
  write_experiment(root.path(), "early", "min", false, 1000.0);
  write_experiment(root.path() / "group", "middle", "max", true, 2000.0);  // nested one level
  fs::create_directories(root.path() / "not-an-experiment" / "x");
  auto all = list_experiments(root.path());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "early");
  EXPECT_EQ(all[1].name, "group/middle");
  EXPECT_EQ(all[2].name, "late");
  EXPECT_FALSE(all[0].finished);
  EXPECT_TRUE(list_experiments(root.path() / "missing").empty());
}

TEST(ExperimentResult, ListsCorruptExperimentsAsUnreadableWithTheReason) {
  TempDir root;
  write_experiment(root.path(), "good", "min", true);
  fs::create_directories(root.path() / "bad-json");
  std::ofstream(root.path() / "bad-json" / "metadata.json") << "{\"metric_names\": [";
  fs::create_directories(root.path() / "not-object");
  std::ofstream(root.path() / "not-object" / "metadata.json") << "[1, 2]";
  fs::create_directories(root.path() / "bad-zip");
  std::ofstream(root.path() / "bad-zip" / "metadata.json") << metadata("bad-zip", "min", 2000).dump();
  std::ofstream(root.path() / "bad-zip" / "results.csv.zip") << "PK not really";
  fs::create_directories(root.path() / "bad-cell");
  std::ofstream(root.path() / "bad-cell" / "metadata.json") << metadata("bad-cell", "min", 2001).dump();
  write_zip_atomically(root.path() / "bad-cell" / "results.csv.zip", "results.csv",
                       "trial_id,st_tuner_time,loss\n0,1.0,2.0\n1,later,3.0\n");
  auto all = list_experiments(root.path());
  ASSERT_EQ(all.size(), 5u);
  std::map<std::string, std::string> error;
  for (const auto& e : all) error[e.name] = e.error;
  EXPECT_EQ(error["good"], "");
  EXPECT_NE(error["bad-json"].find((root.path() / "bad-json" / "metadata.json").string()), std::string::npos);
  EXPECT_EQ(error["bad-json"].find("json.exception"), std::string::npos) << error["bad-json"];
  EXPECT_NE(error["not-object"].find("no JSON object"), std::string::npos) << error["not-object"];
  EXPECT_NE(error["bad-zip"].find("results.csv.zip: not a zip archive"), std::string::npos) << error["bad-zip"];
  EXPECT_NE(error["bad-cell"].find("row 2: st_tuner_time 'later' is not a number"), std::string::npos)
      << error["bad-cell"];
  const std::string table = experiment_table(all, 3000);
  const auto at = table.find("\nbad-zip ");
  ASSERT_NE(at, std::string::npos) << table;
  const std::string line = table.substr(at + 1, table.find('\n', at + 1) - at - 1);
  EXPECT_NE(line.find("unreadable: cannot read "), std::string::npos) << table;
  EXPECT_NE(table.find("good"), std::string::npos) << table;
  // Loading one directly is an error naming the file.
  try {
    load_experiment_folder(root.path() / "bad-cell");
    ADD_FAILURE() << "no error";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find((root.path() / "bad-cell" / "results.csv.zip").string()), std::string::npos);
  }
}

TEST(ExperimentResult, JournalLinesWithWrongTypesAreSkippedAndCounted) {
  TempDir root;
  fs::path dir = write_experiment(root.path(), "typed", "min", true);
  std::ofstream(dir / "journal.jsonl", std::ios::app)
      << R"({"event": 7, "time": 5})" "\n"
      << R"({"event": "result", "trial_id": "zero", "time": 5})" "\n"
      << R"({"event": "status", "trial_id": 0, "time": 5, "status": "Exploded"})" "\n";
  ExperimentResult r = load_experiment_folder(dir);
  EXPECT_EQ(r.skipped_journal_lines, 3u);
  EXPECT_EQ(r.results.size(), 4u);
  EXPECT_EQ(r.trials.size(), 3u);
}

TEST(ExperimentResult, UserMetadataExcludesStandardKeys) {
  TempDir root;
  ExperimentResult r = load_experiment_folder(write_experiment(root.path(), "m", "min", true));
  EXPECT_EQ(r.user_metadata(), (Json{{"user", "alice"}, {"tag", "exp-7"}}));
  EXPECT_EQ(r.metric_names(), std::vector<std::string>{"loss"});
}

TEST(ExperimentResult, ParsesQuotedCsv) {
  auto rows = parse_csv("a,b,c\n1,\"x, \"\"y\"\"\",\r\n,2,\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, \"y\"", ""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"", "2", ""}));
}

TEST(ExperimentPlot, WritesBestSoFarAndTrialData) {
  TempDir root;
  std::vector<ExperimentResult> exps{load_experiment_folder(write_experiment(root.path(), "a", "min", true)),
                                     load_experiment_folder(write_experiment(root.path(), "b", "max", false))};
  fs::path dir = root.path() / "plot";
  fs::create_directories(dir);
  PlotOptions opt;
  opt.output = root.path() / "out.png";
  opt.trials = true;
  fs::path script = write_plot_files(exps, opt, dir);
  std::string gp = slurp(script);
  EXPECT_NE(gp.find("set multiplot layout 2,1"), std::string::npos) << gp;
  EXPECT_NE(gp.find("Trials over time a"), std::string::npos) << gp;
  EXPECT_NE(gp.find("lc rgb 'red'"), std::string::npos) << gp;
  // Best so far of "a" (min) extended to the end of tuning (time 4); "b" (max) stays at 5.
  EXPECT_EQ(slurp(dir / "best_0.dat"), "# st_tuner_time best_loss\n1 5\n1.5 4\n2 3\n3 1\n4 1\n");
  EXPECT_EQ(slurp(dir / "best_1.dat"), "# st_tuner_time best_loss\n1 5\n1.5 5\n2 5\n3 5\n3.5 5\n");
  EXPECT_EQ(slurp(dir / "stops_0.dat"), "1.5 4\n");
  EXPECT_NE(slurp(dir / "trials_0.dat").find("1 5 0\n2 3 0\n\n1.5 4 1\n\n3 1 2\n"), std::string::npos);
  opt.metric = "accuracy";
  EXPECT_THROW(write_plot_files(exps, opt, dir), InvalidArgument);
}

TEST(ExperimentPlot, GnuplotWritesPng) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot not installed";
  TempDir root;
  std::vector<ExperimentResult> exps{load_experiment_folder(write_experiment(root.path(), "a", "min", true))};
  PlotOptions opt;
  opt.output = root.path() / "out.png";
  plot_experiments(exps, opt);
  std::string png = slurp(opt.output);
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(ExperimentPlot, MissingGnuplotIsAClearError) {
  TempDir root;
  std::vector<ExperimentResult> exps{load_experiment_folder(write_experiment(root.path(), "a", "min", true))};
  PlotOptions opt;
  opt.output = root.path() / "out.png";
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", root.path().c_str(), 1);  // a folder without gnuplot
  std::string msg;
  try {
    plot_experiments(exps, opt);
  } catch (const Error& e) {
    msg = e.what();
  }
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_NE(msg.find("gnuplot is not installed"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(opt.output));
}

TEST(ExperimentSummary, ShowsStatusTrialsBestAndUserMetadata) {
  TempDir root;
  ExperimentResult r = load_experiment_folder(write_experiment(root.path(), "s", "min", false));
  std::string s = experiment_summary(r, r.last_update + 3);
  for (const char* want : {"Status:      running (last update 3 s ago)", "Trials:      3 (Completed: 1, Failed: 1, Stopped: 1)",
                           "Best loss: 1 (trial 2, at 3 s)", "Best config: lr=0.5, act=relu, epochs=2",
                           "Failed:      trial 2: exit code 1", "Metadata:    user=alice, tag=exp-7",
                           "Time used:   3.5 s", "1 malformed journal line(s) ignored", "Created:     1970-01-01 00:16:40 UTC"})
    EXPECT_NE(s.find(want), std::string::npos) << want << "\n" << s;
  std::string t = experiment_table({r}, r.last_update);
  EXPECT_NE(t.find("NAME"), std::string::npos) << t;
  EXPECT_NE(t.find("loss=1 (min)"), std::string::npos) << t;
}

// A 3-configuration, 3-epoch table in which configuration 0 is best at epoch 2 and then
// overfits: its epoch-2 value beats every final value. Mode "max" negates the values.
fs::path write_overfitting_table(const fs::path& root, const std::string& mode) {
  const double sign = mode == "min" ? 1.0 : -1.0;
  const fs::path dir = root / ("overfit_" + mode);
  fs::create_directories(dir);
  std::ofstream(dir / "space.json") << Json{
      {"hyperparameters", {{"x", {{"type", "choice"}, {"categories", {"a", "b", "c"}}}}}},
      {"fidelity", {{"name", "epoch"}, {"type", "randint"}, {"lower", 1}, {"upper", 3}}},
      {"objectives", {{"loss", {{"mode", mode}}}}}, {"metric", "loss"}, {"mode", mode}}.dump();
  std::ofstream(dir / "configs.csv") << "config_id,x\n0,a\n1,b\n2,c\n";
  const double v[3][3] = {{0.5, 0.2, 0.6}, {0.9, 0.8, 0.7}, {1.0, 0.95, 0.9}};
  std::ofstream curves(dir / "curves.csv");
  curves << "config_id,epoch,loss\n";
  for (int c = 0; c < 3; ++c)
    for (int e = 1; e <= 3; ++e) curves << c << "," << e << "," << sign * v[c][e - 1] << "\n";
  return dir;
}

TEST(BenchmarkRunner, NormalizedRegretIsNeverNegativeWhenAnEarlyEpochBeatsEveryFinalOne) {
  for (const std::string mode : {"min", "max"}) {
    TempDir root;
    BenchmarkRunnerOptions o;
    o.methods = {"RandomSearch"};
    o.benchmarks = {write_overfitting_table(root.path(), mode).string()};
    o.seeds = {0, 1, 2};
    o.n_workers = 1;
    o.max_num_evaluations = 9;  // every configuration to its last epoch
    o.output_dir = root.path() / "out";
    o.n_threads = 1;
    o.progress = false;
    o.plot = false;
    BenchmarkReport r = run_benchmark(o);
    ASSERT_EQ(r.runs.size(), 3u);
    for (const auto& run : r.runs) {
      ASSERT_TRUE(run.error.empty()) << run.error;
      for (double v : run.value) {
        EXPECT_GE(v, 0.0) << mode;
        EXPECT_LE(v, 1.0) << mode;
      }
      // The best value anywhere (0.2 at epoch 2) is regret 0; the table's worst (1.0) is 1.
      EXPECT_DOUBLE_EQ(run.final_value, 0.0) << mode;
    }
    EXPECT_EQ(r.markdown.find("| -"), std::string::npos) << r.markdown;
    EXPECT_NE(r.markdown.find("every configuration, seed and epoch"), std::string::npos) << r.markdown;
    EXPECT_NE(r.markdown.find("normalized regret of loss"), std::string::npos) << r.markdown;
  }
}

// method_spec_for hands the table's configuration list to the method without a copy.
TEST(MethodSpecFor, SharesTheTableConfigurations) {
  const auto bb = load_blackbox("synthetic_lc_tab");
  const MethodSpec spec = method_spec_for(*bb, 1);
  ASSERT_FALSE(spec.restrict_configurations.empty());
  EXPECT_EQ(spec.restrict_configurations.shared().get(), &bb->configurations());
  EXPECT_TRUE(method_spec_for(*load_blackbox("branin"), 1).restrict_configurations.empty());
}

}  // namespace
}  // namespace synetune
