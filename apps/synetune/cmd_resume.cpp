#include <filesystem>
#include <fstream>
#include <cstdio>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "synetune/core/error.hpp"
#include "tune_setup.hpp"

namespace synetune::cli {
namespace fs = std::filesystem;

namespace {

struct ResumeArgs {
  std::string name;
  std::string root;
  std::optional<double> max_wallclock_time, max_cost;
  std::optional<std::int64_t> max_num_evaluations, max_num_trials_started,
      max_num_trials_completed, max_num_trials_finished;
  std::vector<std::string> max_metric_value, min_metric_value;  // name=v
  std::optional<int> max_failures, n_workers;
  bool quiet = false;
};

// NAME is a path to an experiment folder, or a name under the root; a name is checked before
// it is joined to the root, so that `resume ../x` cannot reach outside it.
fs::path find_experiment(const std::string& name, const std::string& root) {
  if (!name.empty() && fs::exists(fs::path(name) / "metadata.json")) {
    fs::path p = fs::absolute(name).lexically_normal();
    return p.has_filename() ? p : p.parent_path();  // "exp/" names the folder exp
  }
  fs::path r = root.empty() ? default_output_root() : fs::path(root);
  check_root_relative_name(name, r);
  // Absolute: the resume changes to the experiment's original working directory.
  if (fs::exists(r / name / "metadata.json")) return fs::absolute(r / name);
  throw InvalidArgument("no experiment named '" + name + "' under " + r.string() +
                        " (give the name shown by `synetune list`, or a folder path)");
}

// The stored thresholds as the `name=v` flags that build_tune_setup parses (17 digits: the
// same double back).
std::vector<std::string> metric_thresholds(const std::map<std::string, double>& thresholds) {
  std::vector<std::string> out;
  for (const auto& [name, v] : thresholds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out.push_back(name + "=" + buf);
  }
  return out;
}

// What `synetune tune` stored in an experiment's metadata.json.
struct StoredRun {
  TuneArgs args;
  StoppingCriterion stop;
  std::string cwd;  // where it was started: relative entry points are relative to it
};

// Reads metadata.json of `path`. A malformed file, or a field of the wrong type, is corrupt
// state: one StorageError that names the file, whatever the JSON library threw.
StoredRun read_stored_run(const fs::path& path) {
  const fs::path file = path / "metadata.json";
  Json md;
  try {
    std::ifstream in(file);
    md = Json::parse(in);
  } catch (const std::exception& e) {
    throw StorageError(file.string() + " is corrupt: " + e.what());
  }
  if (!md.is_object() || !md.contains("synetune_args"))
    throw InvalidArgument(path.string() + " was not written by `synetune tune`; resume it from C++ with Tuner::load");
  try {
    const Json& stored = md.at("synetune_args");
    return {TuneArgs::from_json(stored), StoppingCriterion::from_json(md.value("stop_criterion", Json::object())),
            stored.value("cwd", "")};
  } catch (const std::exception& e) {
    throw StorageError(file.string() + " is corrupt: " + e.what());
  }
}

int run_resume(const ResumeArgs& ra) {
  fs::path path = find_experiment(ra.name, ra.root);
  StoredRun stored = read_stored_run(path);
  TuneArgs& args = stored.args;
  if (!stored.cwd.empty() && fs::exists(stored.cwd)) fs::current_path(stored.cwd);
  // A new stopping criterion replaces the old one when any of its flags is given; the limits
  // count the whole experiment (time and trials before the resume included).
  bool new_stop = ra.max_wallclock_time || ra.max_cost || ra.max_num_evaluations ||
                  ra.max_num_trials_started || ra.max_num_trials_completed ||
                  ra.max_num_trials_finished || !ra.max_metric_value.empty() ||
                  !ra.min_metric_value.empty();
  if (new_stop) {
    args.max_wallclock_time = ra.max_wallclock_time;
    args.max_cost = ra.max_cost;
    args.max_num_evaluations = ra.max_num_evaluations;
    args.max_num_trials_started = ra.max_num_trials_started;
    args.max_num_trials_completed = ra.max_num_trials_completed;
    args.max_num_trials_finished = ra.max_num_trials_finished;
    args.max_metric_value = ra.max_metric_value;
    args.min_metric_value = ra.min_metric_value;
  } else {
    const StoppingCriterion& c = stored.stop;
    args.max_wallclock_time = c.max_wallclock_time;
    args.max_cost = c.max_cost;
    args.max_num_evaluations = c.max_num_evaluations;
    args.max_num_trials_started = c.max_num_trials_started;
    args.max_num_trials_completed = c.max_num_trials_completed;
    args.max_num_trials_finished = c.max_num_trials_finished;
    args.max_metric_value = metric_thresholds(c.max_metric_value);
    args.min_metric_value = metric_thresholds(c.min_metric_value);
  }
  if (ra.max_failures) args.max_failures = *ra.max_failures;
  if (ra.n_workers) args.n_workers = *ra.n_workers;
  args.quiet = ra.quiet;
  args.tuner_name.clear();  // Tuner::load names the tuner after its folder
  TuneSetup setup = build_tune_setup(args);
  auto tuner = Tuner::load(path, std::move(setup.scheduler), std::move(setup.backend),
                           std::move(setup.options));
  install_stop_handlers(tuner->stop_token());
  std::cerr << "[synetune] resuming " << tuner->name() << " -> " << path.string() << "\n";
  TuningSummary summary = tuner->run();
  return summary.failed ? 1 : 0;
}

}  // namespace

void register_resume(CLI::App& app) {
  auto a = std::make_shared<ResumeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "resume", "Continue an experiment that ended or was killed (results so far are kept)");
  cmd->add_option("name", a->name,
                  std::string("Experiment name (as `synetune list` prints it; ") + kExperimentNameRule +
                      ") or path to an experiment folder")
      ->required();
  cmd->add_option("--root", a->root, "Output root (default: $SYNETUNE_FOLDER or ~/syne-tune)");
  cmd->add_option("--max-wallclock-time", a->max_wallclock_time, "Total seconds, including the time before");
  cmd->add_option("--max-num-evaluations", a->max_num_evaluations, "Total results");
  cmd->add_option("--max-num-trials-started", a->max_num_trials_started, "Total trials started");
  cmd->add_option("--max-num-trials-completed", a->max_num_trials_completed, "Total trials completed");
  cmd->add_option("--max-num-trials-finished", a->max_num_trials_finished, "Total trials finished");
  cmd->add_option("--max-cost", a->max_cost, "Total cost");
  cmd->add_option("--max-metric-value", a->max_metric_value, "name=v: stop when a metric exceeds v");
  cmd->add_option("--min-metric-value", a->min_metric_value, "name=v: stop when a metric goes below v");
  cmd->add_option("--max-failures", a->max_failures, "New failure tolerance");
  cmd->add_option("--n-workers", a->n_workers, "New number of workers");
  cmd->add_flag("--quiet", a->quiet, "No progress line");
  cmd->callback([a]() {
    int rc = run_resume(*a);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synetune::cli
