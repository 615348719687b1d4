// End-to-end: tuner checkpoint and `synetune resume`, in the simulator and on the local backend.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e/e2e_util.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune::e2e {
namespace {

std::vector<std::string> sim_args(const TempRoot& root, const std::string& name, const std::string& method,
                                  const std::string& max_results) {
  return {"tune", "--backend", "simulator", "--benchmark", "sklearn_mlp_digits", "--method", method,
          "--n-workers", "4", "--max-num-evaluations", max_results, "--seed", "3",
          "--tuner-name", name, "--experiment-root", root.path().string(), "--quiet",
          "--results-update-interval", "1e9"};
}

// Run N results, stop (checkpoint), resume to M results: the results table equals the one of
// an uninterrupted run to M, byte for byte (same times, same decisions, same trial ids).
TEST(ResumeE2E, SimulatorResumeIsBitForBitEqualToAnUninterruptedRun) {
  TempRoot root;
  for (const std::string method : {"ASHA", "MOBSTER", "PBT"}) {
    CliRun full = run_cli(sim_args(root, method + "-full", method, "600"), root.path());
    ASSERT_EQ(full.exit_code, 0) << full.err;
    CliRun part = run_cli(sim_args(root, method + "-part", method, "250"), root.path());
    ASSERT_EQ(part.exit_code, 0) << part.err;
    const fs::path part_dir = root.path() / (method + "-part");
    ASSERT_TRUE(fs::exists(part_dir / "tuner.json"));
    const std::string at_stop = read_zip_entry(part_dir / "results.csv.zip");
    CliRun res = run_cli({"resume", method + "-part", "--root", root.path().string(),
                          "--max-num-evaluations", "600", "--quiet"},
                         root.path());
    ASSERT_EQ(res.exit_code, 0) << res.err;
    const std::string a = read_zip_entry(root.path() / (method + "-full") / "results.csv.zip");
    const std::string b = read_zip_entry(part_dir / "results.csv.zip");
    EXPECT_GT(std::count(a.begin(), a.end(), '\n'), 600) << method;
    EXPECT_LT(at_stop.size(), b.size()) << method << ": the resume added nothing";
    EXPECT_EQ(a, b) << method << ": the resumed run differs from the uninterrupted one";
  }
}

}  // namespace
}  // namespace synetune::e2e
