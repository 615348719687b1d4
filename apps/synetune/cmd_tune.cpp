#include <iostream>

#include "commands.hpp"
#include "launcher_slurm.hpp"
#include "synetune/core/error.hpp"
#include "tune_setup.hpp"

namespace synetune::cli {

namespace {

// Names the experiment once its folder is created: only then is a generated name final.
class AnnounceExperiment : public TunerCallback {
 public:
  void on_tuning_start(const TuningContext& ctx) override {
    std::cerr << "[synetune] experiment " << ctx.tuner_name << " -> " << ctx.tuner_path.string() << "\n";
  }
};

int run_tune(const TuneArgs& args) {
  if (args.launcher == "slurm") return launch_tuning_on_slurm(args);
  TuneSetup setup = build_tune_setup(args);
  Tuner tuner(std::move(setup.scheduler), std::move(setup.backend), std::move(setup.options));
  tuner.add_callback(std::make_unique<AnnounceExperiment>());
  install_stop_handlers(tuner.stop_token());
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
  cmd->callback([args, cmd]() {
    // Given but empty is an error, not "generate a name" (which is what leaving it out means).
    if (cmd->count("--tuner-name") > 0) check_experiment_name(args->tuner_name, "--tuner-name");
    int rc = run_tune(*args);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synetune::cli
