// `synetune plot NAME [NAME...] -o FILE.png`: best-so-far curves (gnuplot).
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "synetune/experiments/experiment_plot.hpp"
#include "synetune/experiments/experiment_result.hpp"

namespace synetune::cli {
namespace {
struct PlotArgs {
  std::vector<std::string> names;
  std::string root;
  std::string output;
  std::string metric;
  bool trials = false;
  int width = 900;
  int height = 600;
};
}  // namespace

void register_plot(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Plot the best metric so far over tuner time, one line per experiment (needs gnuplot)");
  cmd->add_option("names", a->names, "Experiment names (unique prefixes are enough) or folders")->required();
  cmd->add_option("-o,--output", a->output, "PNG file to write")->required();
  cmd->add_option("--metric", a->metric, "Metric to plot (default: the first tuned metric)");
  cmd->add_flag("--trials", a->trials,
                "Also draw each trial's curve, a red x where the scheduler stopped it (one panel per experiment)");
  cmd->add_option("--root", a->root, "Output root (default: $SYNETUNE_FOLDER or ~/syne-tune)");
  cmd->add_option("--width", a->width, "Image width in pixels");
  cmd->add_option("--height", a->height, "Image height in pixels (per panel)");
  cmd->callback([a]() {
    std::vector<ExperimentResult> exps;
    for (const auto& n : a->names) exps.push_back(load_experiment(n, a->root));
    PlotOptions opt;
    opt.output = a->output;
    opt.metric = a->metric;
    opt.trials = a->trials;
    opt.width = a->width;
    opt.height = a->height;
    plot_experiments(exps, opt);
    std::cout << "Wrote " << a->output << "\n";
  });
}

}  // namespace synetune::cli
