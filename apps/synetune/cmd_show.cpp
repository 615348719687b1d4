// `synetune show NAME`: summary of one experiment, finished or still running.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "synetune/experiments/experiment_result.hpp"
#include "synetune/experiments/experiment_summary.hpp"

namespace synetune::cli {
namespace {
struct ShowArgs {
  std::string name;
  std::string root;
};
}  // namespace

void register_show(CLI::App& app) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand(
      "show", "Summary of an experiment: status, trials, best config, time used, metadata");
  cmd->add_option("name", a->name, "Experiment name (a unique prefix is enough) or folder")->required();
  cmd->add_option("--root", a->root, "Output root (default: $SYNETUNE_FOLDER or ~/syne-tune)");
  cmd->callback([a]() {
    ExperimentResult r = load_experiment(a->name, a->root);
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::cout << experiment_summary(r, now);
  });
}

}  // namespace synetune::cli
