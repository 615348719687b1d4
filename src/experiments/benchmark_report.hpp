#pragma once
// Aggregation of benchmark runs: best-so-far curves on a common time grid, median and IQR
// over seeds, final-value table with ranks, gnuplot plots.
#include <filesystem>
#include <string>
#include <vector>

#include "synetune/experiments/benchmark_runner.hpp"

namespace synetune {

/// Value of a best-so-far step curve at time t (NaN before its first point).
double curve_value_at(const RunCurve& run, double t);

/// Quantile q in [0,1] of `v` (linear interpolation, as numpy's default); NaN if empty.
double quantile(std::vector<double> v, double q);

/// Writes curves.csv, summary.md and (if `plot` and gnuplot is installed) one PNG per
/// benchmark under `dir`; fills report.markdown and report.plots. Per benchmark (in
/// `benchmarks` order): the label of the plotted value and whether smaller is better.
void write_benchmark_report(const std::filesystem::path& dir,
                            const std::vector<std::string>& methods,
                            const std::vector<std::string>& benchmarks,
                            const std::vector<std::string>& value_labels,
                            const std::vector<bool>& smaller_better, double horizon,
                            bool plot, BenchmarkReport& report);

}  // namespace synetune
