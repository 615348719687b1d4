// ASHA tunes examples/train_height.py as local processes for ~10 s, then prints the best config.
// Usage: asha_local PROJECT_ROOT   (the folder holding examples/train_height.py)
#include <filesystem>
#include <iostream>
#include <memory>

#include <synetune/backends/local_backend.hpp>
#include <synetune/methods.hpp>
#include <synetune/tuner/tuner.hpp>

int main(int argc, char** argv) {
  using namespace synetune;
  if (argc != 2) return std::cerr << "usage: asha_local PROJECT_ROOT\n", 2;
  ConfigSpace space;
  space.add("width", uniform(0.0, 20.0)).add("height", randint(-100, 100));
  space.add("epochs", constant(9)).add("sleep_time", constant(0.1));
  const ProblemSpec problem{.metric = "mean_loss", .resource_attr = "epoch", .max_t = 9};
  auto asha = make_asha(space, problem, {.grace_period = 1, .reduction_factor = 3}, /*seed=*/7);

  LocalBackendOptions local;
  local.entry_point = std::filesystem::path(argv[1]) / "examples" / "train_height.py";
  local.python_package_dir = SYNETUNE_PYTHON_DIR;
  TunerOptions options;
  options.n_workers = 4;
  options.stop_criterion.max_wallclock_time = 10.0;
  options.config_space = space;
  options.tuner_name_base = "asha-local";
  options.seed = 7;  // recorded in metadata.json: the seed given to make_asha
  options.print_progress = false;
  options.print_summary = false;
  Tuner tuner(std::move(asha), std::make_unique<LocalBackend>(local), options);
  const TuningSummary summary = tuner.run();
  if (summary.best_trial_id < 0) return std::cerr << "no trial reported mean_loss\n", 1;
  std::cout << "best config " << summary.best_config.dump() << " mean_loss " << summary.best_metric
            << " (trial " << summary.best_trial_id << ")\n";
}
