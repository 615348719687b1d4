#include "tune_setup.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "synetune/backends/local_backend.hpp"
#include "synetune/backends/simulator_backend.hpp"
#include "synetune/backends/slurm_backend.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/error.hpp"
#include "flag_checks.hpp"

namespace synetune::cli {
namespace fs = std::filesystem;

namespace {

std::pair<std::string, std::string> split_kv(const std::string& s, const char* flag) {
  auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InvalidArgument(std::string(flag) + " expects name=value, got '" + s + "'");
  return {s.substr(0, eq), s.substr(eq + 1)};
}

double parse_double(const std::string& s, const std::string& what) {
  try {
    std::size_t n = 0;
    double v = std::stod(s, &n);
    if (n != s.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw InvalidArgument(what + ": '" + s + "' is not a number");
  }
}

double parse_finite(const std::string& s, const std::string& what) {
  const double v = parse_double(s, what);
  if (!std::isfinite(v)) throw InvalidArgument(what + ": '" + s + "' is not a finite number");
  return v;
}

Json parse_json_arg(const std::string& text, const char* flag) {
  try {
    return parse_json_lenient(text);
  } catch (const Error& e) {
    throw InvalidArgument(std::string(flag) + " must be JSON: " + e.what());
  }
}

// Syne Tune 0.13 infers max_t from a constant of the space (max_resource_attr, else epochs,
// max_t, max_epochs); only a positive integer can be a resource level.
std::optional<std::int64_t> infer_max_t(const ConfigSpace& space, const std::string& max_resource_attr) {
  std::vector<std::string> keys;
  if (!max_resource_attr.empty()) keys.push_back(max_resource_attr);
  keys.insert(keys.end(), {"epochs", "max_t", "max_epochs"});
  for (const auto& k : keys)
    if (const auto* hp = space.find(k))
      if (const auto* c = std::get_if<ConstantDomain>(&hp->domain); c && c->value.is_number()) {
        const double v = c->value.get<double>();
        if (v >= 1 && v == std::floor(v)) return static_cast<std::int64_t>(v);
      }
  return std::nullopt;
}

// The registry speaks Syne Tune's option names; its errors are given the flags' names here.
std::unique_ptr<Scheduler> make_scheduler_for_flags(const TuneArgs& a, const MethodSpec& ms) {
  std::vector<std::string> from_flags;
  if (!ms.options.contains("max_t")) from_flags.push_back("max_t");  // --max-t or the space
  auto flagged = [&](const char* key, bool set) {
    if (set) from_flags.push_back(key);
  };
  flagged("grace_period", a.grace_period.has_value());
  flagged("reduction_factor", a.reduction_factor.has_value());
  flagged("type", a.type.has_value());
  flagged("brackets", a.brackets.has_value());
  flagged("population_size", a.population_size.has_value());
  flagged("perturbation_interval", a.perturbation_interval.has_value());
  flagged("quantile_fraction", a.quantile_fraction.has_value());
  flagged("resample_probability", a.resample_probability.has_value());
  try {
    // Hyperband rungs start at grace_period and stay below max_t: past max_t there is none,
    // and the method would silently run as FIFO.
    const Json& grace = ms.options.contains("grace_period") ? ms.options["grace_period"] : Json();
    const Json max_t = ms.options.contains("max_t") ? ms.options["max_t"]
                       : ms.problem.max_t           ? Json(*ms.problem.max_t)
                                                    : Json();
    if (grace.is_number() && max_t.is_number() && grace.get<double>() > max_t.get<double>()) {
      std::ostringstream msg;  // 10, not 10.0
      msg << "option 'grace_period' = " << grace.get<double>() << " exceeds max_t = "
          << max_t.get<double>() << ": no rung would exist; use a smaller grace_period";
      throw InvalidArgument(msg.str());
    }
    return make_scheduler(a.method, ms);
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    if (msg.rfind("unknown method", 0) == 0) throw InvalidArgument("--method: " + msg);
    throw InvalidArgument(option_error_to_flags(msg, from_flags));
  }
}

}  // namespace

#define ST_FIELD(name) {#name, name}
Json TuneArgs::to_json() const {
  Json j = Json::object();
  j["entry_point"] = entry_point;
  j["params"] = params;
  j["metric"] = metric;
  j["mode"] = mode;
  j["n_workers"] = n_workers;
  j["backend"] = backend;
  j["method"] = method;
  j["seed"] = seed;
  j["metadata"] = metadata;
  j["max_failures"] = max_failures;
  j["python"] = python;
  j["gpus_per_trial"] = gpus_per_trial;
  j["gpus"] = gpus;
  if (visible_gpus) j["visible_gpus"] = *visible_gpus;
  j["kill_grace_period"] = kill_grace_period;
  j["delete_checkpoints"] = delete_checkpoints;
  j["slurm"] = {{"partition", slurm_partition}, {"account", slurm_account}, {"time", slurm_time},
                {"options", slurm_options}, {"cpus_per_task", slurm_cpus_per_task},
                {"gpus_per_trial", slurm_gpus_per_trial}};
  j["resource_attr"] = resource_attr;
  j["max_resource_attr"] = max_resource_attr;
  if (max_t) j["max_t"] = *max_t;
  if (grace_period) j["grace_period"] = *grace_period;
  if (reduction_factor) j["reduction_factor"] = *reduction_factor;
  if (type) j["type"] = *type;
  if (brackets) j["brackets"] = *brackets;
  if (population_size) j["population_size"] = *population_size;
  if (perturbation_interval) j["perturbation_interval"] = *perturbation_interval;
  if (quantile_fraction) j["quantile_fraction"] = *quantile_fraction;
  if (resample_probability) j["resample_probability"] = *resample_probability;
  j["method_options"] = method_options;
  j["points_to_evaluate"] = points_to_evaluate;
  j["benchmark"] = benchmark;
  j["simulator_latency"] = simulator_latency;
  j["results_update_interval"] = results_update_interval;
  j["wait_trial_completion_when_stopping"] = wait_trial_completion_when_stopping;
  // The working directory matters for relative entry points when resuming.
  j["cwd"] = fs::current_path().string();
  return j;
}

TuneArgs TuneArgs::from_json(const Json& j) {
  TuneArgs a;
  a.entry_point = j.value("entry_point", "");
  a.params = j.value("params", std::vector<std::string>{});
  a.metric = j.value("metric", "");
  a.mode = j.value("mode", "");
  a.n_workers = j.value("n_workers", 4);
  a.backend = j.value("backend", "local");
  a.method = j.value("method", "RandomSearch");
  a.seed = j.value("seed", std::uint64_t{0});
  a.metadata = j.value("metadata", std::vector<std::string>{});
  a.max_failures = j.value("max_failures", 1);
  a.python = j.value("python", "python3");
  a.gpus_per_trial = j.value("gpus_per_trial", 1);
  a.gpus = j.value("gpus", std::vector<int>{});
  if (j.contains("visible_gpus")) a.visible_gpus = j["visible_gpus"].get<std::vector<int>>();
  a.kill_grace_period = j.value("kill_grace_period", 5.0);
  a.delete_checkpoints = j.value("delete_checkpoints", false);
  if (const Json sl = j.value("slurm", Json::object()); sl.is_object()) {
    a.slurm_partition = sl.value("partition", "");
    a.slurm_account = sl.value("account", "");
    a.slurm_time = sl.value("time", "");
    a.slurm_options = sl.value("options", std::vector<std::string>{});
    a.slurm_cpus_per_task = sl.value("cpus_per_task", 0);
    a.slurm_gpus_per_trial = sl.value("gpus_per_trial", 0);
  }
  a.resource_attr = j.value("resource_attr", "");
  a.max_resource_attr = j.value("max_resource_attr", "");
  if (j.contains("max_t")) a.max_t = j["max_t"].get<double>();
  if (j.contains("grace_period")) a.grace_period = j["grace_period"].get<double>();
  if (j.contains("reduction_factor")) a.reduction_factor = j["reduction_factor"].get<double>();
  if (j.contains("type")) a.type = j["type"].get<std::string>();
  if (j.contains("brackets")) a.brackets = j["brackets"].get<int>();
  if (j.contains("population_size")) a.population_size = j["population_size"].get<int>();
  if (j.contains("perturbation_interval")) a.perturbation_interval = j["perturbation_interval"].get<double>();
  if (j.contains("quantile_fraction")) a.quantile_fraction = j["quantile_fraction"].get<double>();
  if (j.contains("resample_probability")) a.resample_probability = j["resample_probability"].get<double>();
  a.method_options = j.value("method_options", "");
  a.points_to_evaluate = j.value("points_to_evaluate", "");
  a.benchmark = j.value("benchmark", "");
  a.simulator_latency = j.value("simulator_latency", 0.05);
  a.results_update_interval = j.value("results_update_interval", 10.0);
  a.wait_trial_completion_when_stopping = j.value("wait_trial_completion_when_stopping", false);
  return a;
}

void add_tune_flags(CLI::App& cmd, TuneArgs& a) {
  cmd.add_option("--entry-point", a.entry_point, "Training script (.py run with --python) or executable");
  cmd.add_option("--param", a.params,
                 "Hyperparameter 'name=domain', e.g. 'lr=loguniform(1e-4,1e-1)', "
                 "'act=choice(relu,tanh)', 'epochs=20' (constant). A constant string with "
                 "parentheses must be JSON-quoted: 'f=\"f(x)\"'. Repeatable");
  cmd.add_option("--metric", a.metric, "Reported metric to optimise");
  cmd.add_option("--mode", a.mode, "min (default) or max")->check(CLI::IsMember({"min", "max"}));
  cmd.add_option("--n-workers", a.n_workers, "Trials running at the same time");
  cmd.add_option("--backend", a.backend, "local (default), simulator or slurm")
      ->check(CLI::IsMember({"local", "simulator", "slurm"}));
  cmd.add_option("--method", a.method, "Scheduler short name (see `synetune benchmark --list`)");
  cmd.add_option("--seed", a.seed, "Master random seed");
  cmd.add_option("--tuner-name", a.tuner_name,
                 std::string("Experiment name, the folder under the output root (default: "
                             "<entry>-<UTC time>); ") + kExperimentNameRule);
  cmd.add_flag("--overwrite", a.overwrite,
               "If the experiment --tuner-name exists, delete its results and start it over "
               "(without this flag an existing experiment is never touched: continue it with "
               "`synetune resume NAME`)");
  // Internal: set by `--launcher slurm` on the tuner job it submits (hidden from --help).
  cmd.add_flag("--reserved-folder", a.reserved_folder)->group("");
  cmd.add_option("--experiment-root", a.experiment_root,
                 "Output root (default: $SYNETUNE_FOLDER or ~/syne-tune)");
  cmd.add_option("--metadata", a.metadata, "Extra metadata key=value for metadata.json. Repeatable");
  cmd.add_option("--max-failures", a.max_failures, "Stop once more than this many trials failed");
  auto* g = cmd.add_option_group("Stopping criterion (any set field stops; strict >, as Syne Tune)");
  g->add_option("--max-wallclock-time", a.max_wallclock_time, "Seconds of tuning");
  g->add_option("--max-num-evaluations", a.max_num_evaluations, "Reported results");
  g->add_option("--max-num-trials-started", a.max_num_trials_started, "Trials started");
  g->add_option("--max-num-trials-completed", a.max_num_trials_completed, "Trials completed");
  g->add_option("--max-num-trials-finished", a.max_num_trials_finished, "Trials finished");
  g->add_option("--max-cost", a.max_cost, "Sum of st_worker_cost");
  g->add_option("--max-metric-value", a.max_metric_value, "name=v: stop when a metric exceeds v");
  g->add_option("--min-metric-value", a.min_metric_value, "name=v: stop when a metric goes below v");
  auto* l = cmd.add_option_group("Local backend");
  l->add_option("--python", a.python, "Interpreter for .py entry points");
  l->add_option("--gpus-per-trial", a.gpus_per_trial, "GPUs given to each trial (CUDA_VISIBLE_DEVICES)");
  l->add_option("--gpus", a.gpus, "Restrict to these GPU ids");
  l->add_option("--kill-grace-period", a.kill_grace_period, "Seconds between SIGTERM and SIGKILL");
  l->add_flag("--delete-checkpoints", a.delete_checkpoints, "Delete trial checkpoints when done");
  auto* sl = cmd.add_option_group("Slurm backend and launcher");
  sl->add_option("--launcher", a.launcher, "local (default) or slurm: submit this tuning as a Slurm job")
      ->check(CLI::IsMember({"local", "slurm"}));
  sl->add_option("--slurm-partition", a.slurm_partition, "Partition of the trial jobs (sbatch --partition)");
  sl->add_option("--slurm-account", a.slurm_account, "Account charged (sbatch --account)");
  sl->add_option("--slurm-time", a.slurm_time, "Time limit per trial job (sbatch --time, e.g. 30 or 2:00:00)");
  sl->add_option("--slurm-cpus-per-task", a.slurm_cpus_per_task, "CPUs per trial job");
  sl->add_option("--slurm-gpus-per-trial", a.slurm_gpus_per_trial, "GPUs per trial job (--gres=gpu:N)");
  sl->add_option("--slurm-option", a.slurm_options,
                 "Extra sbatch argument for trial jobs, e.g. --slurm-option=--mem=4G. Repeatable")
      ->allow_extra_args(false);
  auto* m = cmd.add_option_group("Multi-fidelity and method options");
  m->add_option("--resource-attr", a.resource_attr, "Reported resource, default 'epoch'");
  m->add_option("--max-resource-attr", a.max_resource_attr,
                "Config key telling the script how many epochs to train (e.g. epochs)");
  m->add_option("--max-t", a.max_t, "Largest resource (default: from the epochs constant)");
  m->add_option("--grace-period", a.grace_period, "Smallest rung (Hyperband)");
  m->add_option("--reduction-factor", a.reduction_factor, "eta (Hyperband)");
  m->add_option("--type", a.type, "stopping or promotion (Hyperband)")
      ->check(CLI::IsMember({"stopping", "promotion"}));
  m->add_option("--brackets", a.brackets, "Number of Hyperband brackets");
  m->add_option("--population-size", a.population_size, "PBT population");
  m->add_option("--perturbation-interval", a.perturbation_interval, "PBT");
  m->add_option("--quantile-fraction", a.quantile_fraction, "PBT");
  m->add_option("--resample-probability", a.resample_probability, "PBT");
  m->add_option("--method-options", a.method_options, "Further method options as a JSON object");
  m->add_option("--points-to-evaluate", a.points_to_evaluate, "JSON list of configs to try first");
  auto* s = cmd.add_option_group("Simulator backend");
  s->add_option("--benchmark", a.benchmark, "Built-in benchmark name or tabulated folder");
  s->add_option("--simulator-latency", a.simulator_latency, "Seconds per simulated start/stop/result");
  cmd.add_option("--results-update-interval", a.results_update_interval,
                 "Seconds between writes of results.csv.zip and the tuner checkpoint");
  cmd.add_option("--print-update-interval", a.print_update_interval, "Seconds between progress lines");
  cmd.add_flag("--quiet", a.quiet, "No progress line");
  cmd.add_flag("--wait-trial-completion-when-stopping", a.wait_trial_completion_when_stopping,
               "Let running trials finish after the stopping criterion fires");
}

std::string python_package_dir() {
  if (const char* d = std::getenv("SYNETUNE_PYTHON_DIR"); d && *d) return d;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // Installed: <prefix>/bin/synetune next to <prefix>/share/synetune/python. Build tree:
    // <source>/python in a folder above the binary.
    const fs::path installed = exe.parent_path().parent_path() / "share" / "synetune" / "python";
    if (fs::exists(installed / "syne_tune" / "__init__.py")) return installed.lexically_normal().string();
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
      if (fs::exists(p / "python" / "syne_tune" / "__init__.py")) return (p / "python").string();
  }
#ifdef SYNETUNE_SOURCE_DIR
  if (fs::exists(fs::path(SYNETUNE_SOURCE_DIR) / "python")) return std::string(SYNETUNE_SOURCE_DIR) + "/python";
#endif
  return "";
}

TuneSetup build_tune_setup(const TuneArgs& a) {
  // First: nothing else is worth building for a name that could leave the output root.
  if (!a.tuner_name.empty()) check_experiment_name(a.tuner_name, "--tuner-name");
  TuneSetup out;
  ConfigSpace space;
  std::shared_ptr<const Blackbox> bb;
  if (a.backend == "simulator") {
    if (a.benchmark.empty())
      throw InvalidArgument("--backend simulator needs --benchmark NAME_OR_FOLDER (see `synetune benchmark --list`)");
    try {
      bb = load_blackbox(a.benchmark);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--benchmark: ") + e.what());
    }
    space = bb->config_space();
  } else if (a.entry_point.empty()) {
    throw InvalidArgument("--entry-point is required for the " + a.backend + " backend");
  }
  for (const auto& p : a.params) {  // overrides/extends the benchmark space
    try {
      space.add_from_text(p);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--param: ") + e.what());
    }
  }

  ProblemSpec problem;
  problem.metric = !a.metric.empty() ? a.metric : bb ? bb->default_metric() : "";
  if (problem.metric.empty()) throw InvalidArgument("--metric is required: the name of the reported metric to optimise");
  problem.mode = !a.mode.empty() ? parse_mode(a.mode) : bb && a.metric.empty() ? bb->default_mode() : Mode::kMin;
  problem.resource_attr = !a.resource_attr.empty() ? a.resource_attr : bb ? bb->resource_attr() : "epoch";
  problem.max_resource_attr = a.max_resource_attr;
  if (a.max_t && *a.max_t != std::floor(*a.max_t)) {
    std::ostringstream msg;
    msg << "--max-t must be a positive integer (a resource level), got " << *a.max_t;
    throw InvalidArgument(msg.str());
  }
  problem.max_t = a.max_t ? std::optional<std::int64_t>(static_cast<std::int64_t>(*a.max_t))
                          : infer_max_t(space, a.max_resource_attr);
  if (!problem.max_t && bb) problem.max_t = bb->max_resource();

  MethodSpec ms;
  ms.space = space;
  ms.problem = problem;
  ms.seed = a.seed;
  ms.options = a.method_options.empty() ? Json::object() : parse_json_arg(a.method_options, "--method-options");
  if (!ms.options.is_object()) throw InvalidArgument("--method-options must be a JSON object");
  auto set_opt = [&](const char* k, const auto& v) {
    if (v) ms.options[k] = *v;
  };
  set_opt("grace_period", a.grace_period);
  set_opt("reduction_factor", a.reduction_factor);
  set_opt("type", a.type);
  set_opt("brackets", a.brackets);
  set_opt("population_size", a.population_size);
  set_opt("perturbation_interval", a.perturbation_interval);
  set_opt("quantile_fraction", a.quantile_fraction);
  set_opt("resample_probability", a.resample_probability);
  if (!a.points_to_evaluate.empty()) {
    Json pts = parse_json_arg(a.points_to_evaluate, "--points-to-evaluate");
    if (!pts.is_array()) throw InvalidArgument("--points-to-evaluate must be a JSON list of objects");
    for (const auto& p : pts) ms.points_to_evaluate.push_back(p);
  }
  if (bb && bb->is_tabulated()) ms.restrict_configurations = bb->shared_configurations();
  out.scheduler = make_scheduler_for_flags(a, ms);

  if (a.backend == "local") {
    LocalBackendOptions lo;
    lo.entry_point = a.entry_point;
    lo.python = a.python;
    lo.num_gpus_per_trial = a.gpus_per_trial;
    lo.gpus_to_use = a.gpus;
    lo.visible_gpus_override = a.visible_gpus;
    lo.kill_grace_period = a.kill_grace_period;
    lo.delete_checkpoints = a.delete_checkpoints;
    lo.python_package_dir = python_package_dir();
    out.backend = std::make_unique<LocalBackend>(lo);
  } else if (a.backend == "simulator") {
    SimulatorOptions so;
    so.delay_on_trial_result = so.delay_complete_after_final_report = so.delay_start =
        so.delay_stop = a.simulator_latency;
    so.max_resource_attr = a.max_resource_attr;
    so.seed = derive_seed(a.seed, "simulator");
    out.backend = std::make_unique<SimulatorBackend>(bb, so);
  } else {
    SlurmBackendOptions so;
    so.entry_point = a.entry_point;
    so.python = a.python;
    so.python_package_dir = python_package_dir();
    so.partition = a.slurm_partition;
    so.account = a.slurm_account;
    so.time_limit = a.slurm_time;
    so.cpus_per_task = a.slurm_cpus_per_task;
    so.gpus_per_trial = a.slurm_gpus_per_trial;
    so.sbatch_options = a.slurm_options;
    so.max_jobs = a.n_workers;
    out.backend = std::make_unique<SlurmBackend>(so);
  }

  TunerOptions& o = out.options;
  o.n_workers = a.n_workers;
  o.max_failures = a.max_failures;
  o.seed = a.seed;
  o.tuner_name = a.tuner_name;
  o.existing_folder = a.reserved_folder ? ExistingFolder::kAdoptReserved
                      : a.overwrite     ? ExistingFolder::kOverwrite
                                        : ExistingFolder::kRefuse;
  std::string stem = bb ? bb->name() : fs::path(a.entry_point).stem().string();
  for (char& c : stem)
    if (c == '_' || c == '.') c = '-';
  o.tuner_name_base = stem;
  o.entrypoint = bb ? bb->name() : fs::path(a.entry_point).stem().string();
  o.root = a.experiment_root;
  o.config_space = space;
  o.results_update_interval = a.results_update_interval;
  o.print_update_interval = a.print_update_interval;
  o.print_progress = !a.quiet;
  o.wait_trial_completion_when_stopping = a.wait_trial_completion_when_stopping;
  auto& sc = o.stop_criterion;
  sc.max_wallclock_time = a.max_wallclock_time;
  sc.max_num_evaluations = a.max_num_evaluations;
  sc.max_num_trials_started = a.max_num_trials_started;
  sc.max_num_trials_completed = a.max_num_trials_completed;
  sc.max_num_trials_finished = a.max_num_trials_finished;
  sc.max_cost = a.max_cost;
  for (const auto& s : a.max_metric_value) {
    auto [k, v] = split_kv(s, "--max-metric-value");
    sc.max_metric_value[k] = parse_finite(v, "--max-metric-value " + k);
  }
  for (const auto& s : a.min_metric_value) {
    auto [k, v] = split_kv(s, "--min-metric-value");
    sc.min_metric_value[k] = parse_finite(v, "--min-metric-value " + k);
  }
  if (sc.empty())
    throw InvalidArgument("no stopping criterion: give at least one of --max-wallclock-time, "
                          "--max-num-evaluations, --max-num-trials-started, "
                          "--max-num-trials-completed, --max-num-trials-finished, --max-cost, "
                          "--max-metric-value, --min-metric-value");
  for (const auto& s : a.metadata) {
    auto [k, v] = split_kv(s, "--metadata");
    o.metadata[k] = v;
  }
  o.metadata["synetune_args"] = a.to_json();
  return out;
}

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
// The tuner the signals stop: the library has no global stop flag, the CLI keeps the token of
// the one tuner it runs. The handler reads only the atomic pointer (lock-free), which is set
// once the token it points to is complete.
std::optional<StopToken> g_stop_token;
std::atomic<const StopToken*> g_stop_target{nullptr};
static_assert(std::atomic<const StopToken*>::is_always_lock_free);

void on_stop_signal(int sig) {
  g_stop_signal = sig;
  if (const StopToken* token = g_stop_target.load()) token->request_stop();
}
}  // namespace

int stop_signal_received() { return g_stop_signal; }

void install_stop_handlers(const StopToken& token) {
  g_stop_target.store(nullptr);  // a signal now must not see the token half replaced
  g_stop_token = token;
  g_stop_target.store(&*g_stop_token);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the backend's wait returns with EINTR and sees the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace synetune::cli
