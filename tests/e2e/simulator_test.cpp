// End-to-end: the simulator through the CLI (tune, benchmark, blackbox-script).
#include <gtest/gtest.h>

#include "e2e/e2e_util.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/reporter.hpp"

namespace synetune::e2e {
namespace {

std::string journal_text(const fs::path& exp) {
  std::string s;
  for (const auto& j : journal(exp))
    if (j["event"] != "tuning_start" && j["event"] != "tuning_end") s += j.dump() + "\n";
  return s;
}

CliRun tune_sim(const TempRoot& root, const std::string& name, const std::string& seed,
                const std::string& method = "ASHA") {
  return run_cli({"tune", "--backend", "simulator", "--benchmark", "sklearn_mlp_digits", "--method",
                  method, "--n-workers", "4", "--max-wallclock-time", "1000", "--seed", seed,
                  "--tuner-name", name, "--experiment-root", root.path().string(), "--quiet",
                  "--results-update-interval", "1e9"},
                 root.path());
}

TEST(SimulatorE2E, SameSeedGivesIdenticalJournalAndOtherSeedDiffers) {
  TempRoot root;
  for (const char* m : {"ASHA", "RandomSearch"}) {
    const std::string ms = m;
    CliRun a = tune_sim(root, ms + "-a", "5", ms), b = tune_sim(root, ms + "-b", "5", ms),
           c = tune_sim(root, ms + "-c", "6", ms);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const std::string ja = journal_text(root.path() / (ms + "-a"));
    EXPECT_GT(journal(root.path() / (ms + "-a"), "result").size(), 100u);
    EXPECT_EQ(ja, journal_text(root.path() / (ms + "-b"))) << m;
    EXPECT_NE(ja, journal_text(root.path() / (ms + "-c"))) << m;
  }
}

TEST(SimulatorE2E, BenchmarkThreeMethodsTwoBenchmarksTenSeedsUnderAMinute) {
  TempRoot root;
  const fs::path out = root.path() / "bench";
  CliRun r = run_cli({"benchmark", "--methods", "ASHA,RandomSearch,Hyperband", "--benchmarks",
                      "sklearn_mlp_digits,nb201_cifar10_subset200", "--seeds", "0-9",
                      "--n-workers", "4", "--max-wallclock-time", "3600", "-o", out.string()},
                     root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.seconds, 60.0);
  const std::string md = read_file(out / "summary.md");
  for (const char* s : {"| ASHA |", "| RandomSearch |", "| Hyperband |", "mean rank",
                        "sklearn_mlp_digits", "nb201_cifar10_subset200"})
    EXPECT_NE(md.find(s), std::string::npos) << s << "\n" << md;
  EXPECT_TRUE(fs::exists(out / "curves.csv"));
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    EXPECT_GT(fs::file_size(out / "sklearn_mlp_digits.png"), 1000u);
  }
  std::size_t runs = 0;
  for (const auto& e : fs::directory_iterator(out / "runs")) runs += e.is_directory();
  EXPECT_EQ(runs, 60u);

  // Deterministic: the same (smaller) benchmark twice gives the same curves.
  auto small = [&](const std::string& dir) {
    CliRun s = run_cli({"benchmark", "--methods", "ASHA,RandomSearch", "--benchmarks",
                        "arlbench_dqn_cartpole", "--seeds", "0-1", "--max-num-evaluations", "300",
                        "--no-plot", "--quiet", "-o", (root.path() / dir).string()},
                       root.path());
    EXPECT_EQ(s.exit_code, 0) << s.err;
    return read_file(root.path() / dir / "curves.csv");
  };
  const std::string c1 = small("s1");
  EXPECT_GT(c1.size(), 100u);
  EXPECT_EQ(c1, small("s2"));
}

TEST(SimulatorE2E, BenchmarkRejectsUnknownNames) {
  TempRoot root;
  CliRun r = run_cli({"benchmark", "--methods", "NoSuchMethod", "--benchmarks", "branin",
                      "--max-num-evaluations", "10", "-o", (root.path() / "x").string()},
                     root.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("NoSuchMethod"), std::string::npos) << r.err;
  r = run_cli({"benchmark", "--list"}, root.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("sklearn_mlp_digits"), std::string::npos);
}

// The blackbox served as a script reports what the simulator would: the table's values.
TEST(SimulatorE2E, BlackboxScriptPrintsTableValues) {
  TempRoot root;
  ::setenv("SYNETUNE_BENCHMARKS_DIR", (source_dir() / "benchmarks").c_str(), 1);
  auto bb = load_blackbox("sklearn_mlp_digits");
  const Config& c = bb->configurations()[4];
  std::vector<std::string> args = {"blackbox-script", "sklearn_mlp_digits", "--time-scale", "0"};
  for (const auto& [k, v] : c.items()) {
    args.push_back("--" + k);
    args.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  args.push_back("--epochs");
  args.push_back("3");
  CliRun r = run_cli(args, root.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Json> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);)
    if (l.rfind("[tune-metric]: ", 0) == 0) lines.push_back(parse_json_lenient(l.substr(15)));
  ASSERT_EQ(lines.size(), 3u);
  const std::size_t vi = *bb->objective_index("valid_error");
  for (int e = 1; e <= 3; ++e) {
    EXPECT_EQ(lines[e - 1]["epoch"], e);
    EXPECT_DOUBLE_EQ(lines[e - 1]["valid_error"].get<double>(), bb->evaluate(std::size_t{4}, e)[vi]);
  }
}

}  // namespace
}  // namespace synetune::e2e
