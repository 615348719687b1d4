#pragma once
/// Benchmark runner: methods x benchmarks x seeds, each an independent Tuner run on the
/// SimulatorBackend, run in parallel, then aggregated into regret curves, a markdown table of
/// final values and ranks, and one gnuplot PNG per benchmark (Syne Tune's benchmarking/ and
/// aggregate_results.py, median and IQR mode).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/json.hpp"
#include "synetune/registry.hpp"

namespace synetune {

struct BenchmarkRunnerOptions {
  std::vector<std::string> methods;     ///< short names for make_scheduler
  std::vector<std::string> benchmarks;  ///< load_blackbox names or folders
  std::vector<std::uint64_t> seeds = {0};
  int n_workers = 4;
  /// Stopping criterion of every run (simulated seconds / results); at least one is needed.
  std::optional<double> max_wallclock_time;
  std::optional<std::int64_t> max_num_evaluations;
  Json method_options = Json::object();  ///< passed to every method (MethodSpec::options)
  std::filesystem::path output_dir;      ///< experiments under <output_dir>/runs/
  int n_threads = 0;                     ///< 0 = hardware concurrency
  bool progress = true;                  ///< progress bar on stderr
  bool plot = true;                      ///< call gnuplot (skipped if not installed)
};

/// Best-so-far curve of one run, as a regret where the best value is known: on a table the
/// normalized regret (v - best) / (worst - best), best and worst over every configuration, seed
/// and epoch of the table (so it lies in [0, 1], 0 = the best value anywhere in the table); on
/// an analytic benchmark v - its known optimum; else the raw metric.
struct RunCurve {
  std::string method, benchmark;
  std::uint64_t seed = 0;
  std::vector<double> time;   ///< simulated seconds of each improvement
  std::vector<double> value;  ///< best-so-far metric (or regret) at that time
  double final_value = 0.0;
  std::int64_t num_results = 0;
  std::string error;  ///< non-empty if the run threw
};

struct BenchmarkReport {
  std::vector<RunCurve> runs;
  std::string markdown;  ///< table of final values (median [IQR]) and mean ranks
  std::vector<std::filesystem::path> plots;
  double wall_seconds = 0.0;
};

/// Runs everything and writes `<output_dir>/summary.md`, `<output_dir>/curves.csv`,
/// `<output_dir>/<benchmark>.png` (+ .gp script). Throws InvalidArgument on a bad option.
BenchmarkReport run_benchmark(const BenchmarkRunnerOptions& options);

/// What a method needs to run on a blackbox: its space, metric, mode, resource attribute and
/// max_t, restricted to the table's configurations (as Syne Tune's simulator does).
MethodSpec method_spec_for(const Blackbox& blackbox, std::uint64_t seed, Json options = Json::object());

}  // namespace synetune
