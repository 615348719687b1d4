// End-to-end tests of experiment analysis: `synetune show / list / plot` and the Python
// `syne_tune.experiments` on experiments created by the real CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "e2e/e2e_util.hpp"
#include "synetune/experiments/experiment_result.hpp"

namespace synetune::e2e {
namespace {

std::vector<std::string> tune_args(const std::string& name, const std::string& seed, double sleep_time,
                                   const std::string& trials) {
  return {"tune", "--entry-point", script("train_height_syne_tune.py").string(), "--metric", "mean_loss",
          "--quiet", "--python", "/usr/bin/python3", "--seed", seed, "--tuner-name", name,
          "--param", "width=uniform(0,20)", "--param", "height=randint(-100,100)", "--param", "epochs=3",
          "--param", "sleep_time=" + std::to_string(sleep_time), "--n-workers", "2",
          "--max-num-trials-completed", trials, "--results-update-interval", "1"};
}

// Smallest mean_loss in the journal and the number of trials started.
std::pair<double, std::size_t> journal_best(const fs::path& exp) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& j : journal(exp, "result")) best = std::min(best, j["result"]["mean_loss"].get<double>());
  return {best, journal(exp, "trial_start").size()};
}

bool is_png(const fs::path& p) {
  std::string s = read_file(p);
  return s.size() > 5000 && s.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

TEST(Analysis, ShowListPlotAndPythonOnFinishedExperiments) {
  TempRoot root, out;
  auto a = tune_args("analysis-a", "1", 0.01, "4");
  a.insert(a.end(), {"--metadata", "user=alice", "--metadata", "tag=first"});
  ASSERT_EQ(run_cli(a, root.path()).exit_code, 0);
  auto b = tune_args("analysis-b", "2", 0.01, "6");
  b.insert(b.end(), {"--method", "ASHA"});
  ASSERT_EQ(run_cli(b, root.path()).exit_code, 0);
  const fs::path exp_a = root.path() / "analysis-a";
  auto [best_a, trials_a] = journal_best(exp_a);

  // The library view agrees with the journal.
  ExperimentResult ra = load_experiment("analysis-a", root.path());
  EXPECT_TRUE(ra.finished);
  EXPECT_EQ(ra.trials.size(), trials_a);
  ASSERT_TRUE(ra.best_config().has_value());
  EXPECT_DOUBLE_EQ(ra.best_config()->value, best_a);

  CliRun show = run_cli({"show", "analysis-a"}, root.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  for (const std::string& want : std::vector<std::string>{"Status:      finished", "Trials:      " + std::to_string(trials_a),
                                 "Best mean_loss: ", "Best config: width=", "Metadata:    user=alice, tag=first",
                                 "Metric:      mean_loss (min)", "Time used:   "})
    EXPECT_NE(show.out.find(want), std::string::npos) << want << "\n" << show.out;
  char best_txt[32];
  std::snprintf(best_txt, sizeof best_txt, "%.6g", best_a);
  EXPECT_NE(show.out.find("Best mean_loss: " + std::string(best_txt)), std::string::npos) << show.out;

  CliRun list = run_cli({"list"}, root.path());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto pa = list.out.find("analysis-a"), pb = list.out.find("analysis-b");
  ASSERT_NE(pa, std::string::npos) << list.out;
  ASSERT_NE(pb, std::string::npos) << list.out;
  EXPECT_LT(pa, pb);  // oldest first
  EXPECT_NE(list.out.find("mean_loss=" + std::string(best_txt)), std::string::npos) << list.out;

  const fs::path png = out.path() / "two.png";
  CliRun plot = run_cli({"plot", "analysis-a", "analysis-b", "-o", png.string()}, root.path());
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_TRUE(is_png(png));
  const fs::path trials_png = out.path() / "trials.png";
  CliRun tplot = run_cli({"plot", "analysis-b", "--trials", "-o", trials_png.string()}, root.path());
  ASSERT_EQ(tplot.exit_code, 0) << tplot.err;
  EXPECT_TRUE(is_png(trials_png));
  if (const char* keep = std::getenv("SYNETUNE_KEEP_PLOTS")) {  // for looking at them
    fs::copy_file(png, fs::path(keep) / "two.png", fs::copy_options::overwrite_existing);
    fs::copy_file(trials_png, fs::path(keep) / "trials.png", fs::copy_options::overwrite_existing);
  }

  CliRun bad = run_cli({"plot", "analysis-a", "--metric", "accuracy", "-o", png.string()}, root.path());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("no metric 'accuracy'"), std::string::npos) << bad.err;
  CliRun missing = run_cli({"show", "no-such-experiment"}, root.path());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("synetune list"), std::string::npos) << missing.err;

  // Python: same rows as the journal, same best, a plot file.
  const fs::path py = out.path() / "check.py";
  std::ofstream(py) << "import json, sys\n"
                       "from syne_tune.experiments import load_experiment, list_experiments\n"
                       "e = load_experiment('analysis-a', root=sys.argv[1])\n"
                       "e.plot(figure_path=sys.argv[2])\n"
                       "e.plot_trials_over_time(figure_path=sys.argv[2] + '.trials.png')\n"
                       "escaped = []\n"
                       "for name in ['..', '../analysis-a', '.', '/etc']:\n"
                       "  try: load_experiment(name, root=sys.argv[1]); escaped.append(name)\n"
                       "  except ValueError: pass\n"
                       "print(json.dumps({'rows': len(e.results), 'best': e.best_config()['mean_loss'],\n"
                       "  'names': e.metric_names(), 'mode': e.metric_mode(), 'user': e.metadata['user'],\n"
                       "  'list': [x.name for x in list_experiments(root=sys.argv[1])], 'escaped': escaped}))\n";
  const fs::path py_png = out.path() / "py.png";
  const std::string cmd = "PYTHONPATH=" + (source_dir() / "python").string() + " /usr/bin/python3 " + py.string() +
                          " " + root.path().string() + " " + py_png.string() + " > " +
                          (out.path() / "py.json").string() + " 2> " + (out.path() / "py.err").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(out.path() / "py.err");
  Json pj = Json::parse(read_file(out.path() / "py.json"));
  EXPECT_EQ(pj["rows"].get<std::size_t>(), journal(exp_a, "result").size());
  EXPECT_DOUBLE_EQ(pj["best"].get<double>(), best_a);
  EXPECT_EQ(pj["names"], Json::array({"mean_loss"}));
  EXPECT_EQ(pj["mode"], "min");
  EXPECT_EQ(pj["user"], "alice");
  EXPECT_EQ(pj["list"], Json::array({"analysis-a", "analysis-b"}));
  EXPECT_EQ(pj["escaped"], Json::array()) << "a name must not leave the root";
  EXPECT_TRUE(is_png(py_png));
  EXPECT_TRUE(is_png(out.path() / "py.png.trials.png"));
}

TEST(Analysis, ShowAndPlotWhileTheExperimentRuns) {
  TempRoot root, out;
  // Trials of ~0.9 s (3 epochs x 0.3 s); 4 completions with 2 workers take a few seconds.
  pid_t tuner = spawn_cli(tune_args("running-exp", "3", 0.3, "4"), root.path());
  const fs::path exp = root.path() / "running-exp";
  bool has_result = false;
  for (int i = 0; i < 300 && !has_result; ++i) {  // up to 30 s for the first result
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    has_result = fs::exists(exp / "journal.jsonl") && !journal(exp, "result").empty();
  }
  ASSERT_TRUE(has_result) << read_file(root.path() / "cli.err");
  const bool ended_early = !journal(exp, "tuning_end").empty();
  // Outputs of these runs go to `out`, so that the tuner's cli.out is not overwritten.
  CliRun show = run_cli({"show", "running-exp", "--root", root.path().string()}, out.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  if (!ended_early) {
    EXPECT_NE(show.out.find("Status:      running (last update "), std::string::npos) << show.out;
  }
  EXPECT_NE(show.out.find("Best mean_loss: "), std::string::npos) << show.out;
  CliRun list = run_cli({"list", "--root", root.path().string()}, out.path());
  EXPECT_NE(list.out.find("running-exp"), std::string::npos) << list.out;
  const fs::path png = out.path() / "running.png";
  CliRun plot = run_cli({"plot", "running-exp", "--root", root.path().string(), "-o", png.string()}, out.path());
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_TRUE(is_png(png));

  CliRun done = wait_cli(tuner, root.path());
  ASSERT_EQ(done.exit_code, 0) << done.err;
  CliRun after = run_cli({"show", "running-exp", "--root", root.path().string()}, out.path());
  EXPECT_NE(after.out.find("Status:      finished"), std::string::npos) << after.out;
}

}  // namespace
}  // namespace synetune::e2e
