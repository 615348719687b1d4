// `synetune benchmark`: methods x benchmarks x seeds on the simulator, aggregated.
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "flag_checks.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/error.hpp"
#include "synetune/experiments/benchmark_runner.hpp"
#include "synetune/registry.hpp"

namespace synetune::cli {
namespace {

struct BenchmarkArgs {
  std::string methods, benchmarks, seeds = "0", method_options, output;
  int n_workers = 4, threads = 0;
  std::optional<double> max_wallclock_time;
  std::optional<std::int64_t> max_num_evaluations;
  bool list = false, no_plot = false, quiet = false;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

int list_benchmarks() {
  std::cout << "benchmarks (name: metric/mode, fidelity, configurations):\n";
  for (const auto& n : list_blackboxes()) {
    auto bb = load_blackbox(n);
    std::cout << "  " << n << ": " << bb->default_metric() << "/" << to_string(bb->default_mode())
              << ", " << bb->resource_attr() << " 1.." << bb->max_resource() << ", "
              << (bb->is_tabulated() ? std::to_string(bb->configurations().size()) : "continuous")
              << (bb->num_seeds() > 1 ? ", " + std::to_string(bb->num_seeds()) + " seeds" : "")
              << (bb->time_is_modelled() ? ", time modelled" : "") << "\n";
  }
  const std::string dir = benchmarks_dir();
  std::cout << "tables folder: " << (dir.empty() ? "(not found; set SYNETUNE_BENCHMARKS_DIR)" : dir)
            << "\nmethods:";
  for (const auto& [name, desc] : method_names()) std::cout << " " << name;
  std::cout << "\n";
  return 0;
}

int run(const BenchmarkArgs& a) {
  if (a.list) return list_benchmarks();
  BenchmarkRunnerOptions o;
  o.methods = split(a.methods, ',');
  o.benchmarks = split(a.benchmarks, ',');
  o.seeds = parse_seed_list(a.seeds);
  o.n_workers = a.n_workers;
  o.max_wallclock_time = a.max_wallclock_time;
  o.max_num_evaluations = a.max_num_evaluations;
  if (!a.method_options.empty()) {
    Json j;  // null unless it parses
    try {
      j = Json::parse(a.method_options);
    } catch (const Json::exception&) {
    }
    if (!j.is_object())
      throw InvalidArgument("--method-options must be a JSON object, e.g. '{\"grace_period\": 1}', got " +
                            a.method_options);
    o.method_options = std::move(j);
  }
  o.output_dir = a.output;
  o.n_threads = a.threads;
  o.plot = !a.no_plot;
  o.progress = !a.quiet;
  BenchmarkReport r = run_benchmark(o);
  std::cout << r.markdown << "\n";
  for (const auto& p : r.plots) std::cout << "plot: " << p.string() << "\n";
  std::cout << "results: " << o.output_dir.string() << " (" << r.runs.size() << " runs in "
            << r.wall_seconds << " s)\n";
  for (const auto& run : r.runs)
    if (!run.error.empty()) return 1;
  return 0;
}

}  // namespace

void register_benchmark(CLI::App& app) {
  auto a = std::make_shared<BenchmarkArgs>();
  CLI::App* cmd = app.add_subcommand(
      "benchmark", "Compare methods on simulated benchmarks (methods x benchmarks x seeds)");
  cmd->add_flag("--list", a->list, "List the known benchmarks and methods, then exit");
  cmd->add_option("--methods", a->methods, "Comma-separated method names, e.g. ASHA,RandomSearch");
  cmd->add_option("--benchmarks", a->benchmarks, "Comma-separated benchmark names or table folders");
  cmd->add_option("--seeds", a->seeds,
                  "Seeds, e.g. 0-9 or 0,3,5 (at most " + std::to_string(kMaxSeeds) + ")")
      ->capture_default_str();
  cmd->add_option("--n-workers", a->n_workers, "Simulated workers per run")->capture_default_str();
  cmd->add_option("--max-wallclock-time", a->max_wallclock_time, "Simulated seconds per run");
  cmd->add_option("--max-num-evaluations", a->max_num_evaluations, "Results per run");
  cmd->add_option("--method-options", a->method_options, "JSON options passed to every method");
  cmd->add_option("--threads", a->threads, "Parallel runs (default: all cores)");
  cmd->add_option("-o,--output", a->output, "Output folder (runs/, summary.md, curves.csv, PNGs)");
  cmd->add_flag("--no-plot", a->no_plot, "Do not call gnuplot");
  cmd->add_flag("--quiet", a->quiet, "No progress bar");
  cmd->callback([a] {
    const int rc = run(*a);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synetune::cli
