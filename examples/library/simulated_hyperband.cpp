// Hyperband on a benchmark in simulated time (an hour of 4 workers in about a second), then
// prints the best config. Usage: simulated_hyperband [TABLE_FOLDER | BUILT_IN_NAME]
// (default: synthetic_lc_tab, an analytic learning-curve benchmark built into the library).
#include <iostream>
#include <memory>

#include <synetune/backends/simulator_backend.hpp>
#include <synetune/blackboxes/blackbox.hpp>
#include <synetune/methods.hpp>
#include <synetune/tuner/tuner.hpp>

int main(int argc, char** argv) {
  using namespace synetune;
  const auto blackbox = load_blackbox(argc > 1 ? argv[1] : "synthetic_lc_tab");
  const ProblemSpec problem{.metric = blackbox->default_metric(), .mode = blackbox->default_mode(),
                            .resource_attr = blackbox->resource_attr(), .max_t = blackbox->max_resource()};
  AshaOptions hyperband{.type = HyperbandType::kPromotion};
  // A table only knows its rows: suggest nothing else.
  if (blackbox->is_tabulated()) hyperband.restrict_configurations = blackbox->shared_configurations();
  auto scheduler = make_hyperband(blackbox->config_space(), problem, hyperband, /*seed=*/1);

  TunerOptions options;
  options.n_workers = 4;
  options.stop_criterion.max_wallclock_time = 3600.0;  // simulated seconds
  options.config_space = blackbox->config_space();
  options.tuner_name_base = "simulated-hyperband";
  options.seed = 1;
  options.print_progress = false;
  options.print_summary = false;
  Tuner tuner(std::move(scheduler), std::make_unique<SimulatorBackend>(blackbox, SimulatorOptions{}), options);
  const TuningSummary summary = tuner.run();
  std::cout << blackbox->name() << ": best config " << summary.best_config.dump() << " "
            << problem.metric << " " << summary.best_metric << " (trial " << summary.best_trial_id << ")\n";
  return summary.best_trial_id < 0;
}
