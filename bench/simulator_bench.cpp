// Simulator throughput: results processed per CPU second, for the backend alone and for the
// whole tuner loop (scheduler + tuner + backend + the normal result files: journal.jsonl,
// results.csv.zip, metadata.json, tuner.json), 4 workers, on large tabulated blackboxes.
//
// ASHA's tables are folders in the tabulated format (configs.csv, curves.csv, space.json), read
// as `synetune tune --benchmark FOLDER` reads them, generated here with synthetic learning
// curves: 60,000 configs x 27 epochs, and the shape of NAS-Bench-201 (15,625 configs x 200
// epochs, the benchmark of Syne Tune's simulator examples). ASHA stops most trials at the
// first rung, so it needs many configs to process many results without running out of a table.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>

#include "blackboxes/analytic_blackbox.hpp"
#include "synetune/backends/simulator_backend.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/rng.hpp"
#include "synetune/experiments/benchmark_runner.hpp"
#include "synetune/registry.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {
namespace {

namespace fs = std::filesystem;

struct TableShape {
  const char* name;
  std::size_t configs;
  int epochs;
};
constexpr TableShape kWideTable{"bench_60k_x_27", 60000, 27};
constexpr TableShape kNb201Shape{"bench_nb201_shape", 15625, 200};

// CPU of this process and of its children that ended (the tuner's periodic saves run in a
// forked child: they count too).
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + 1e-6 * static_cast<double>(tv.tv_usec); };
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec) + seconds(ru.ru_utime) +
         seconds(ru.ru_stime);
}

// A folder of this process: two benchmarks running at once must not delete each other's files.
fs::path process_temp_dir(const std::string& name) {
  return fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

// A folder removed when the process ends.
struct TempFolder {
  fs::path path;
  TempFolder() = default;
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Writes a table folder (synthetic learning curves, modelled elapsed time) once per process.
fs::path table_folder(const TableShape& shape) {
  static std::map<std::string, TempFolder> folders;
  if (auto it = folders.find(shape.name); it != folders.end()) return it->second.path;
  const fs::path d = process_temp_dir(std::string("synetune_") + shape.name);
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "space.json") << R"({
    "name": ")" << shape.name << R"(",
    "hyperparameters": {
      "x1": {"type": "uniform", "lower": 0.0, "upper": 1.0},
      "x2": {"type": "uniform", "lower": 0.0, "upper": 1.0},
      "lr": {"type": "loguniform", "lower": 0.001, "upper": 1.0}
    },
    "fidelity": {"name": "epoch", "type": "randint", "lower": 1, "upper": )" << shape.epochs << R"(},
    "objectives": {"valid_error": {"mode": "min"}, "elapsed_time": {"mode": "min"}},
    "metric": "valid_error", "mode": "min", "time_attr": "elapsed_time", "resource_attr": "epoch"
  })";
  Rng rng(derive_seed(0, "bench_big_table"));
  std::string configs = "config_id,x1,x2,lr\n", curves = "config_id,epoch,valid_error,elapsed_time\n";
  for (std::size_t i = 0; i < shape.configs; ++i) {
    const double x1 = rng.uniform(), x2 = rng.uniform(), lr = std::pow(10.0, -3.0 * rng.uniform());
    const std::string id = std::to_string(i);
    configs += id + ',';
    append_number(configs, x1), configs += ',', append_number(configs, x2), configs += ',';
    append_number(configs, lr), configs += '\n';
    for (int e = 1; e <= shape.epochs; ++e) {
      curves += id + ',' + std::to_string(e) + ',';
      append_number(curves, synthetic_lc_value(x1, x2, lr, e, shape.epochs));
      curves += ',';
      append_number(curves, (0.5 + 1.5 * x2) * e);
      curves += '\n';
    }
  }
  std::ofstream(d / "configs.csv") << configs;
  std::ofstream(d / "curves.csv") << curves;
  folders[shape.name].path = d;  // built in place: a temporary's destructor would delete it
  return d;
}

// Backend alone: 4 workers, every trial stopped after 1..9 results (ASHA-like mix).
void BM_SimulatorBackend_Results(benchmark::State& state) {
  auto bb = load_blackbox("synthetic_lc_tab");
  const auto& confs = bb->configurations();
  std::int64_t results = 0;
  for (auto _ : state) {
    SimulatorBackend b(bb);
    TrialId next = 0;
    int running = 0;
    std::int64_t n = 0;
    while (n < 200000) {
      while (running < 4) b.start(next, confs[(next * 7919) % confs.size()], std::nullopt), ++next, ++running;
      for (const auto& e : b.wait(std::numeric_limits<double>::infinity())) {
        if (e.kind != BackendEvent::Kind::kResult) {
          --running;
          continue;
        }
        ++n;
        if (e.result.get("epoch") >= 1 + (e.trial_id % 9)) b.stop(e.trial_id), --running;
      }
    }
    results += n;
  }
  state.counters["results_per_cpu_s"] = benchmark::Counter(static_cast<double>(results), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulatorBackend_Results)->Unit(benchmark::kMillisecond)->Iterations(3);

// Whole tuner loop with the simulator backend, set up as `synetune tune --backend simulator
// --benchmark NAME_OR_FOLDER --n-workers 4 --max-num-evaluations 150000 --quiet` does
// (default simulator latency, results-update interval and checkpoint). The counter is results
// per CPU second of the process from building the scheduler to destroying the tuner, writing
// every output file included; loading the table is not (the loader caches it).
// RandomSearch runs on synthetic_lc_tab (2048 configs x 81 epochs: 165k results at most);
// ASHA stops most trials after 1-3 epochs and would run out of that table after ~8.5k
// results, so it runs on the generated tables: 60,000 configs x 27 epochs (150k results,
// ~3 per trial), and NAS-Bench-201's shape (60k results, ~4 per trial: more rungs).
void BM_SimulatorTuner_Results(benchmark::State& state, const std::string& method,
                               const TableShape* shape, std::int64_t results_per_run) {
  auto bb = shape ? load_blackbox(table_folder(*shape).string()) : load_blackbox("synthetic_lc_tab");
  const auto root = process_temp_dir("synetune_bench_runs");
  std::int64_t results = 0;
  double cpu = 0;
  int run = 0;
  for (auto _ : state) {
    const double cpu0 = cpu_seconds();
    {
      const MethodSpec spec = method_spec_for(*bb, static_cast<std::uint64_t>(run));
      SimulatorOptions so;
      so.seed = derive_seed(static_cast<std::uint64_t>(run), "simulator");
      TunerOptions to;
      to.n_workers = 4;
      to.seed = static_cast<std::uint64_t>(run);
      to.stop_criterion.max_num_evaluations = results_per_run;
      to.tuner_name = method + "-" + std::to_string(run++);
      to.root = root;
      to.entrypoint = bb->name();
      to.config_space = bb->config_space();
      to.print_progress = false;
      to.print_summary = false;
      Tuner tuner(make_scheduler(method, spec), std::make_unique<SimulatorBackend>(bb, so), to);
      const TuningSummary s = tuner.run();
      results += s.status.num_evaluations;
      if (s.status.num_evaluations < results_per_run)
        state.SkipWithError("the run ended before processing enough results (table too small?)");
    }
    cpu += cpu_seconds() - cpu0;
  }
  fs::remove_all(root);
  state.counters["results"] = benchmark::Counter(static_cast<double>(results) / static_cast<double>(state.iterations()));
  state.counters["results_per_cpu_s"] = benchmark::Counter(static_cast<double>(results) / cpu);
}
BENCHMARK_CAPTURE(BM_SimulatorTuner_Results, ASHA, std::string("ASHA"), &kWideTable, 150000)
    ->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_SimulatorTuner_Results, ASHA_nb201_shape, std::string("ASHA"), &kNb201Shape, 60000)
    ->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_SimulatorTuner_Results, RandomSearch, std::string("RandomSearch"), nullptr, 150000)
    ->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace synetune

BENCHMARK_MAIN();
