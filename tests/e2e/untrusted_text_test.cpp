// End-to-end: names that come from files we did not write (a downloaded benchmark table's
// space.json, a shared experiment's metadata.json, folder names) reach gnuplot as text only.
// Each name below tries a different way out of a gnuplot string literal; every one of them
// would run `touch $SYNETUNE_PWNED` if it became code. The plots must still be drawn.
#include <gtest/gtest.h>

#include <cstdlib>

#include "e2e/e2e_util.hpp"

namespace synetune::e2e {
namespace {

// No ',' (the benchmark list separator) and no '/' (they are also used as folder names).
const std::vector<std::string>& hostile_names() {
  static const std::vector<std::string> names = {
      "m' . system(\"touch $SYNETUNE_PWNED\") . '",        // out of a '...' literal
      "m\nsystem(\"touch $SYNETUNE_PWNED\")\n",            // out of the line
      "m\" . system(\"touch $SYNETUNE_PWNED\") . \"",      // out of a \"...\" literal
      "m `touch $SYNETUNE_PWNED` \\",                      // command substitution
      "m @SYNETUNE_MACRO \r\t\x01 # ; \\\nsystem(\"touch $SYNETUNE_PWNED\")",  // macro, continuation
  };
  return names;
}

bool is_png(const fs::path& p) {
  const std::string s = read_file(p);
  return s.size() > 1000 && s.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// A root whose `pwned` file must never appear; the CLI learns its path from the environment
// (a hostile name cannot contain it: folder names cannot hold '/').
class UntrustedText : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("SYNETUNE_PWNED", pwned().c_str(), 1);
    ::setenv("SYNETUNE_MACRO", "system(\"touch $SYNETUNE_PWNED\")", 1);
  }
  void TearDown() override {
    ::unsetenv("SYNETUNE_PWNED");
    ::unsetenv("SYNETUNE_MACRO");
  }
  fs::path pwned() const { return root.path() / "pwned"; }
  TempRoot root;
};

// A 4-configuration, 3-epoch table whose folder is `name` and whose metric is `metric`.
fs::path write_table(const fs::path& parent, const std::string& name, const std::string& metric) {
  const fs::path dir = parent / name;
  fs::create_directories(dir);
  Json space = {{"name", name},
                {"hyperparameters", {{"x", {{"type", "uniform"}, {"lower", 0.0}, {"upper", 1.0}}}}},
                {"fidelity", {{"name", "epoch"}, {"type", "randint"}, {"lower", 1}, {"upper", 3}}},
                {"objectives", {{metric, {{"mode", "min"}}}, {"elapsed_time", {{"mode", "min"}}}}},
                {"metric", metric}, {"mode", "min"}, {"time_attr", "elapsed_time"}};
  std::ofstream(dir / "space.json") << space.dump(2);
  std::ofstream(dir / "configs.csv") << "config_id,x\n0,0.1\n1,0.4\n2,0.6\n3,0.9\n";
  std::string quoted = "\"";
  for (char c : metric) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  std::string curves = "config_id,epoch," + quoted + "\",elapsed_time\n";
  for (int c = 0; c < 4; ++c)
    for (int e = 1; e <= 3; ++e)
      curves += std::to_string(c) + "," + std::to_string(e) + "," + std::to_string(1.0 + c - 0.2 * e) +
                "," + std::to_string(10 * e) + "\n";
  std::ofstream(dir / "curves.csv") << curves;
  return dir;
}

// A finished experiment folder named `name` whose tuner and metric carry hostile text.
fs::path write_experiment(const fs::path& parent, const std::string& name, const std::string& metric) {
  const fs::path dir = parent / name;
  fs::create_directories(dir);
  Json md = {{"metric_names", {metric}}, {"metric_mode", "min"}, {"tuner_name", name},
             {"st_tuner_creation_timestamp", 1000.0}};
  std::ofstream(dir / "metadata.json") << md.dump();
  std::ofstream j(dir / "journal.jsonl");
  j << Json{{"event", "tuning_start"}, {"time", 0}}.dump() << "\n";
  for (int t = 0; t < 3; ++t) {
    j << Json{{"event", "trial_start"}, {"trial_id", t}, {"time", t}, {"config", {{"x", t}}}}.dump() << "\n";
    for (int e = 1; e <= 3; ++e)
      j << Json{{"event", "result"}, {"trial_id", t}, {"time", t + 0.3 * e}, {"status", "InProgress"},
                {"decision", e == 2 && t == 1 ? "STOP" : "CONTINUE"},
                {"result", {{"epoch", e}, {metric, 5.0 - t - 0.5 * e}}}}
               .dump()
        << "\n";
  }
  j << Json{{"event", "tuning_end"}, {"time", 4.0}, {"reason", "done"}}.dump() << "\n";
  return dir;
}

TEST_F(UntrustedText, BenchmarkWithHostileFolderAndMetricNamesPlotsAndRunsNothing) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const fs::path tables = root.path() / "tables", out = root.path() / "bench";
  std::string list;
  const auto& names = hostile_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    // Folder (= benchmark name in titles) and metric (= y label) both hostile.
    const fs::path t = write_table(tables, "b" + std::to_string(i) + names[i], names[i]);
    list += (list.empty() ? "" : ",") + t.string();
  }
  CliRun r = run_cli({"benchmark", "--methods", "RandomSearch", "--benchmarks", list, "--seeds", "0-1",
                      "--n-workers", "2", "--max-num-evaluations", "12", "--threads", "1", "--quiet",
                      "-o", out.string()},
                     root.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(pwned())) << "a name in space.json ran a command:\n" << r.out << r.err;
  std::size_t pngs = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().extension() != ".png") continue;
    EXPECT_TRUE(is_png(e.path())) << e.path();
    pngs += is_png(e.path());
  }
  EXPECT_EQ(pngs, names.size()) << r.out << r.err;
}

TEST_F(UntrustedText, PlotOfExperimentsWithHostileNamesPlotsAndRunsNothing) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto& names = hostile_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const fs::path exp = write_experiment(root.path() / "exps", "e" + std::to_string(i) + names[i], names[i]);
    // The output folder is hostile too: its path goes into the script as `set output`.
    const fs::path out_dir = root.path() / ("out" + std::to_string(i) + names[i]);
    fs::create_directories(out_dir);
    for (const bool trials : {false, true}) {
      const fs::path png = out_dir / (trials ? "trials.png" : "best.png");
      std::vector<std::string> args = {"plot", exp.string(), "-o", png.string()};
      if (trials) args.push_back("--trials");
      CliRun r = run_cli(args, root.path());
      EXPECT_EQ(r.exit_code, 0) << i << (trials ? " --trials " : " ") << r.err;
      EXPECT_TRUE(is_png(png)) << i << (trials ? " --trials" : "") << r.err;
      EXPECT_FALSE(fs::exists(pwned())) << "name " << i << " in metadata.json ran a command:\n" << r.err;
    }
  }
  // Several experiments in one plot: the metric goes into the title, the names into the key.
  std::vector<std::string> args = {"plot"};
  for (std::size_t i = 0; i < names.size(); ++i)
    args.push_back(write_experiment(root.path() / "multi", "f" + std::to_string(i) + names[i], names[1]).string());
  args.insert(args.end(), {"-o", (root.path() / "all.png").string()});
  CliRun r = run_cli(args, root.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_png(root.path() / "all.png")) << r.err;
  EXPECT_FALSE(fs::exists(pwned())) << r.err;
}

}  // namespace
}  // namespace synetune::e2e
