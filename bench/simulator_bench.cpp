// Simulator throughput: results processed per CPU second, for the backend alone and for the
// whole tuner loop (scheduler + tuner + backend + result files), 4 workers, on the largest
// table (synthetic_lc_tab: 2048 configs x 81 epochs; the bundled real tables are smaller).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <limits>

#include "synetune/backends/simulator_backend.hpp"
#include "synetune/registry.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {
namespace {

constexpr const char* kTable = "synetune_bench_table";

std::shared_ptr<const Blackbox> table() {
  static auto bb = load_blackbox("synthetic_lc_tab");
  return bb;
}

// Backend alone: 4 workers, every trial stopped after 1..9 results (ASHA-like mix).
void BM_SimulatorBackend_Results(benchmark::State& state) {
  auto bb = table();
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

// Whole tuner loop with the simulator backend.
void BM_SimulatorTuner_Results(benchmark::State& state, const std::string& method) {
  auto bb = table();
  const auto root = std::filesystem::temp_directory_path() / kTable;
  std::int64_t results = 0;
  int run = 0;
  for (auto _ : state) {
    MethodSpec spec;
    spec.space = bb->config_space();
    spec.problem.metric = bb->default_metric();
    spec.problem.mode = bb->default_mode();
    spec.problem.resource_attr = bb->resource_attr();
    spec.problem.max_t = static_cast<double>(bb->max_resource());
    spec.seed = static_cast<std::uint64_t>(run);
    spec.restrict_configurations = bb->configurations();
    TunerOptions to;
    to.n_workers = 4;
    to.stop_criterion.max_num_evaluations = 100000;
    to.max_failures = 1 << 30;
    to.tuner_name = method + "-" + std::to_string(run++);
    to.root = root;
    to.results_update_interval = 1e300;
    to.print_progress = false;
    to.print_summary = false;
    to.write_checkpoint = false;
    Tuner tuner(make_scheduler(method, spec), std::make_unique<SimulatorBackend>(bb), to);
    const TuningSummary s = tuner.run();
    results += s.status.num_evaluations;
  }
  std::filesystem::remove_all(root);
  state.counters["results_per_cpu_s"] = benchmark::Counter(static_cast<double>(results), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_SimulatorTuner_Results, ASHA, std::string("ASHA"))
    ->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(BM_SimulatorTuner_Results, RandomSearch, std::string("RandomSearch"))
    ->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace synetune

BENCHMARK_MAIN();
