// End-to-end: what a new user runs first, from the README and the Makefile.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <sstream>

#include "e2e/e2e_util.hpp"

namespace synetune::e2e {
namespace {

// The README's `synetune benchmark ...` example, as words (continuation lines joined).
std::vector<std::string> readme_benchmark_example() {
  std::istringstream in(read_file(source_dir() / "README.md"));
  std::string line, command;
  while (std::getline(in, line)) {
    if (command.empty() && line.rfind("synetune benchmark --methods", 0) != 0) continue;
    const bool more = !line.empty() && line.back() == '\\';
    command += more ? line.substr(0, line.size() - 1) : line;
    if (!more) break;
  }
  std::istringstream words(command);
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

// The README's benchmark example runs as printed, draws its plots, and shows a difference
// between the methods (a flat, equal result would teach a new user nothing).
TEST(FirstRun, ReadmeBenchmarkExampleRunsAndShowsADifferenceBetweenMethods) {
  TempRoot out;
  std::vector<std::string> words = readme_benchmark_example();
  ASSERT_GT(words.size(), 4u) << "no `synetune benchmark --methods` example in README.md";
  std::vector<std::string> args(words.begin() + 1, words.end());  // without "synetune"
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-o") args[i + 1] = (out.path() / "bench").string();
  args.push_back("--quiet");
  CliRun run = run_cli(args, out.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string summary = read_file(out.path() / "bench" / "summary.md");
  // One table row per method: "| name | value [q1, q3] | ... | rank |"; the rows must differ
  // in more than the method's name.
  std::set<std::string> rows;
  std::istringstream in(summary);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| ", 0) != 0 || line.find("method") != std::string::npos) continue;
    rows.insert(line.substr(line.find(" |", 2)));
  }
  EXPECT_GE(rows.size(), 2u) << "every method has the same results:\n" << summary;
  for (const char* png : {"nb201_cifar10_subset200.png", "synthetic_lc_tab.png"})
    EXPECT_TRUE(fs::exists(out.path() / "bench" / png)) << png;
}

// `make run` builds only the CLI: no test or benchmark target before the example runs.
TEST(FirstRun, MakeRunBuildsOnlyTheCli) {
  TempRoot out;
  const std::string cmd = "make -n -C " + source_dir().string() + " run BUILD=" + (out.path() / "b").string() +
                          " > " + (out.path() / "plan.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(out.path() / "plan.txt");
  const std::string plan = read_file(out.path() / "plan.txt");
  std::istringstream in(plan);
  int builds = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("cmake --build") == std::string::npos) continue;
    ++builds;
    EXPECT_NE(line.find("--target synetune_cli"), std::string::npos) << "builds more than the CLI: " << line;
  }
  EXPECT_EQ(builds, 1) << plan;
}

}  // namespace
}  // namespace synetune::e2e
