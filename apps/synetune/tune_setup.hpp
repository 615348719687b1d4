#pragma once
// Everything `synetune tune` takes, as one value that is stored in metadata.json so that
// `synetune resume` can rebuild the same scheduler and backend.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/core/json.hpp"
#include "synetune/registry.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune::cli {

struct TuneArgs {
  std::string entry_point;
  std::vector<std::string> params;  // name=expr
  std::string metric;
  std::string mode;  // empty = benchmark default or min
  int n_workers = 4;
  std::string backend = "local";
  std::string method = "RandomSearch";
  std::uint64_t seed = 0;
  std::string tuner_name;
  std::string experiment_root;
  // Not stored in metadata.json: they concern the creation of the folder, not a resume.
  bool overwrite = false;        // --overwrite: start an existing experiment over
  bool reserved_folder = false;  // the Slurm launcher created the folder for this tuner job
  std::vector<std::string> metadata;  // key=value
  int max_failures = 1;
  // stopping criterion
  std::optional<double> max_wallclock_time, max_cost;
  std::optional<std::int64_t> max_num_evaluations, max_num_trials_started,
      max_num_trials_completed, max_num_trials_finished;
  std::vector<std::string> max_metric_value, min_metric_value;  // name=v
  // local backend
  std::string python = "python3";
  int gpus_per_trial = 1;
  std::vector<int> gpus;
  std::optional<std::vector<int>> visible_gpus;  // test override of nvidia-smi
  double kill_grace_period = 5.0;
  bool delete_checkpoints = false;
  // slurm backend (--backend slurm) and launcher (--launcher slurm)
  std::string slurm_partition, slurm_account, slurm_time;
  std::vector<std::string> slurm_options;
  int slurm_cpus_per_task = 0;
  int slurm_gpus_per_trial = 0;
  std::string launcher = "local";  // not stored: the launched tuner runs locally on its node
  // multi-fidelity and method options
  std::string resource_attr;
  std::string max_resource_attr;
  std::optional<double> max_t;  // as typed; ProblemSpec::max_t is its integer form
  std::optional<double> grace_period, reduction_factor;
  std::optional<std::string> type;
  std::optional<int> brackets;
  std::optional<int> population_size;
  std::optional<double> perturbation_interval, quantile_fraction, resample_probability;
  std::string method_options;       // JSON object
  std::string points_to_evaluate;   // JSON list of configs
  // simulator
  std::string benchmark;
  double simulator_latency = 0.05;
  // tuner
  double results_update_interval = 10.0;
  double print_update_interval = 1.0;
  bool quiet = false;
  bool wait_trial_completion_when_stopping = false;

  Json to_json() const;
  static TuneArgs from_json(const Json& j);
};

/// Adds every `tune` flag to `cmd`, bound to `args`.
void add_tune_flags(CLI::App& cmd, TuneArgs& args);

struct TuneSetup {
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Backend> backend;
  TunerOptions options;
};

/// Builds scheduler, backend and tuner options; throws InvalidArgument on bad input.
TuneSetup build_tune_setup(const TuneArgs& args);

/// Installs SIGINT/SIGTERM handlers that ask the tuner of `token` (Tuner::stop_token()) to
/// stop and flush. One tuner per process: a second call points the handlers at a new one.
void install_stop_handlers(const StopToken& token);
/// The signal that asked the tuner to stop (SIGINT, SIGTERM), or 0. The command then exits
/// with 128 + signal once everything is flushed, as shells expect of an interrupted program.
int stop_signal_received();

/// Our Python package folder (Reporter for trials): $SYNETUNE_PYTHON_DIR, `../python` next to
/// the executable, or the source tree's `python/`.
std::string python_package_dir();

}  // namespace synetune::cli
