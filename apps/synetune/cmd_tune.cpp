#include <iostream>

#include "commands.hpp"
#include "launcher_slurm.hpp"
#include "synetune/core/error.hpp"
#include "tune_setup.hpp"

namespace synetune::cli {

namespace {
int run_tune(const TuneArgs& args) {
  if (args.launcher == "slurm") return launch_tuning_on_slurm(args);
  TuneSetup setup = build_tune_setup(args);
  Tuner tuner(std::move(setup.scheduler), std::move(setup.backend), std::move(setup.options));
  install_stop_handlers();
  std::cerr << "[synetune] experiment " << tuner.name() << " -> " << tuner.path().string() << "\n";
  TuningSummary summary = tuner.run();
  if (summary.failed) {
    std::cerr << "[synetune] tuning stopped: " << summary.stop_reason
              << " (raise --max-failures to tolerate more)\n";
    return 1;
  }
  return 0;
}
}  // namespace

void register_tune(CLI::App& app) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand("tune", "Tune a training script (or a benchmark in the simulator)");
  cmd->add_option("--config", "JSON file whose keys are tune flags (e.g. {\"n-workers\": 4}); "
                              "flags on the command line take precedence");
  add_tune_flags(*cmd, *args);
  cmd->callback([args]() {
    int rc = run_tune(*args);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synetune::cli
