#pragma once
/// Plots of experiments with gnuplot (Syne Tune's `ExperimentResult.plot` and
/// `plot_trials_over_time`): best-so-far of a metric over st_tuner_time, one line per
/// experiment, optionally each trial's curve with a red x where the scheduler stopped it.
#include <filesystem>
#include <string>
#include <vector>

#include "synetune/experiments/experiment_result.hpp"

namespace synetune {

struct PlotOptions {
  std::filesystem::path output;  ///< PNG file to write
  std::string metric;            ///< empty = first metric of the first experiment
  bool trials = false;           ///< add per-trial learning curves (one panel per experiment)
  int width = 900;
  int height = 600;  ///< per panel
  std::string terminal = "pngcairo";  ///< "pngcairo" or "png" (anything else: InvalidArgument)
};

/// Writes the data files and `plot.gp` for `experiments` into `dir`; returns the script path.
/// The script names its files by fixed relative names (it draws `plot.png` when gnuplot runs in
/// `dir`) and holds names from the experiments (metric, tuner names) only as quoted text, so
/// a hostile metadata.json cannot make it run anything. Throws InvalidArgument when the metric
/// is unknown to an experiment or nothing reports it.
std::filesystem::path write_plot_files(const std::vector<ExperimentResult>& experiments,
                                       const PlotOptions& options, const std::filesystem::path& dir);

/// Whether `gnuplot` is on PATH.
bool gnuplot_on_path();

/// Runs gnuplot (no shell) on the files of write_plot_files in a temporary folder (removed
/// afterwards), then moves the image to `options.output`; picks `png` when the gnuplot has no
/// `pngcairo`. Throws Error when gnuplot is missing or fails.
void plot_experiments(const std::vector<ExperimentResult>& experiments, PlotOptions options);

}  // namespace synetune
