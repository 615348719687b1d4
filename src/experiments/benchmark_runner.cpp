#include "synetune/experiments/benchmark_runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "experiments/benchmark_report.hpp"
#include "synetune/backends/simulator_backend.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/error.hpp"
#include "synetune/registry.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {

MethodSpec method_spec_for(const Blackbox& blackbox, std::uint64_t seed, Json options) {
  MethodSpec spec;
  spec.space = blackbox.config_space();
  spec.problem.metric = blackbox.default_metric();
  spec.problem.mode = blackbox.default_mode();
  spec.problem.resource_attr = blackbox.resource_attr();
  spec.problem.max_t = blackbox.max_resource();
  spec.options = std::move(options);
  spec.seed = seed;
  spec.restrict_configurations = blackbox.shared_configurations();  // shared, not copied
  if (blackbox.configurations_canonical()) spec.restrict_configurations.mark_canonical_for(spec.space);
  return spec;
}

namespace {

// Turns a raw metric value into the plotted value: the regret (v - opt) / scale, signed so
// that 0 is best, where an optimum is known; else the raw value.
struct ValueTransform {
  double sign = 1.0;
  std::optional<double> opt;
  double scale = 1.0;
  bool normalized = false;  // scale = worst - best of the whole table
  double operator()(double v) const { return opt ? sign * (v - *opt) / scale : v; }
  bool regret() const { return opt.has_value(); }
  // After transforming, is a smaller value better?
  bool smaller_better() const { return regret() || sign > 0; }
  std::string label(const std::string& metric) const {
    return !regret() ? "best " + metric : (normalized ? "normalized regret of " : "regret of ") + metric;
  }
};

// Best and worst value of the default metric over every configuration, seed and epoch of a
// table. A run reports every epoch it trains, and an early epoch can beat every final one
// (overfitting), so a range taken at the largest fidelity only would give negative regrets.
std::optional<std::pair<double, double>> table_range(const Blackbox& bb) {
  const auto mi = bb.objective_index(bb.default_metric());
  if (!mi || !bb.is_tabulated()) return std::nullopt;
  const double sign = bb.default_mode() == Mode::kMin ? 1.0 : -1.0;
  std::optional<std::pair<double, double>> r;
  for (std::size_t c = 0; c < bb.configurations().size(); ++c)
    for (std::size_t s : bb.seeds_for(c)) {
      const CurveView curve = bb.curve_at(c, s);
      for (std::size_t f = 1; f <= curve.n_fidelities; ++f) {
        const double v = curve.at(f, *mi);
        if (!std::isfinite(v)) continue;
        if (!r) r.emplace(v, v);
        if (sign * v < sign * r->first) r->first = v;
        if (sign * v > sign * r->second) r->second = v;
      }
    }
  return r;
}

ValueTransform transform_for(const Blackbox& bb) {
  ValueTransform t;
  t.sign = bb.default_mode() == Mode::kMin ? 1.0 : -1.0;
  if (auto range = table_range(bb)) {
    t.opt = range->first;
    t.normalized = true;
    if (range->second != range->first) t.scale = std::abs(range->second - range->first);
  } else {
    t.opt = bb.optimum();  // analytic: the known global optimum, which no value can beat
  }
  return t;
}

// Records the best-so-far curve of one run from the tuner's results.
class BestSoFarCallback final : public TunerCallback {
 public:
  BestSoFarCallback(RunCurve* run, std::string metric, ValueTransform tf)
      : run_(run), metric_(std::move(metric)), tf_(tf) {}
  void on_trial_result(const Trial&, const Result& result, Decision, double tuner_time,
                       Json&) override {
    ++run_->num_results;
    const double raw = result.get(metric_);
    if (!std::isfinite(raw)) return;
    const double v = tf_(raw);
    if (run_->value.empty() || (tf_.smaller_better() ? v < run_->value.back() : v > run_->value.back())) {
      run_->time.push_back(tuner_time);
      run_->value.push_back(v);
    }
  }

 private:
  RunCurve* run_;
  std::string metric_;
  ValueTransform tf_;
};

std::string sanitize(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return s;
}

void run_one(const BenchmarkRunnerOptions& o, BlackboxCache& blackboxes, RunCurve& run,
             const ValueTransform& transform) {
  auto bb = blackboxes.load(run.benchmark);
  auto scheduler = make_scheduler(run.method, method_spec_for(*bb, run.seed, o.method_options));
  SimulatorOptions so;
  so.seed = derive_seed(run.seed, "simulator");
  auto backend = std::make_unique<SimulatorBackend>(bb, so);
  TunerOptions to;
  to.n_workers = o.n_workers;
  to.stop_criterion.max_wallclock_time = o.max_wallclock_time;
  to.stop_criterion.max_num_evaluations = o.max_num_evaluations;
  to.max_failures = std::numeric_limits<int>::max() / 2;
  to.tuner_name = sanitize(run.benchmark) + "-" + sanitize(run.method) + "-" + std::to_string(run.seed);
  to.root = o.output_dir / "runs";
  // -o DIR is the benchmark's own output: running it again replaces its runs (and only runs).
  to.existing_folder = ExistingFolder::kOverwrite;
  to.metadata = {{"benchmark", run.benchmark}, {"method", run.method}, {"seed", run.seed}};
  to.entrypoint = "synetune benchmark";
  to.config_space = bb->config_space();
  to.results_update_interval = 1e300;  // write once at the end
  to.print_progress = false;
  to.print_summary = false;
  to.write_checkpoint = false;
  to.seed = run.seed;
  Tuner tuner(std::move(scheduler), std::move(backend), std::move(to));
  tuner.add_callback(std::make_unique<BestSoFarCallback>(&run, bb->default_metric(), transform));
  tuner.run();
  run.final_value = run.value.empty() ? std::numeric_limits<double>::quiet_NaN() : run.value.back();
}

// A redrawn bar on a terminal; in logs, one line per 10% of the runs. `last_logged`: the
// decile logged last, kept by the caller (one per run_benchmark call, not per process).
void progress_bar(std::size_t done, std::size_t total, double seconds, std::size_t& last_logged) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!tty) {
    const std::size_t decile = total ? 10 * done / total : 10;
    if (decile == last_logged) return;
    last_logged = decile;
  }
  const int width = 30;
  const int filled = total ? static_cast<int>(width * done / total) : width;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
            << "/" << total << " runs, " << static_cast<int>(seconds) << " s" << (tty ? "" : "\n")
            << std::flush;
}

}  // namespace

BenchmarkReport run_benchmark(const BenchmarkRunnerOptions& o) {
  if (o.methods.empty()) throw InvalidArgument("benchmark: no --methods given (e.g. ASHA,RandomSearch)");
  if (o.benchmarks.empty())
    throw InvalidArgument("benchmark: no --benchmarks given; see `synetune benchmark --list`");
  if (o.seeds.empty()) throw InvalidArgument("benchmark: no --seeds given (e.g. 0-9)");
  if (!o.max_wallclock_time && !o.max_num_evaluations)
    throw InvalidArgument("benchmark: give a stopping criterion: --max-wallclock-time or "
                          "--max-num-evaluations");
  if (o.n_workers < 1) throw InvalidArgument("benchmark: --n-workers must be >= 1");
  if (o.output_dir.empty()) throw InvalidArgument("benchmark: give an output folder with -o DIR");
  // Fail early on unknown names, before any thread starts.
  const auto known = method_names();
  for (const auto& m : o.methods)
    if (std::none_of(known.begin(), known.end(), [&](const auto& k) { return k.first == m; })) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k.first;
      throw InvalidArgument("benchmark: unknown method '" + m + "'; known methods: " + list);
    }
  std::vector<std::string> labels;
  std::vector<bool> smaller_better;
  std::map<std::string, ValueTransform> transforms;  // once per table, not per run: a scan of it
  BlackboxCache blackboxes;  // each table is loaded once, then shared by all its runs
  for (const auto& b : o.benchmarks) {
    auto bb = blackboxes.load(b);
    const ValueTransform& t = transforms[b] = transform_for(*bb);
    smaller_better.push_back(t.smaller_better());
    labels.push_back(t.label(bb->default_metric()));
  }

  const auto t0 = std::chrono::steady_clock::now();
  BenchmarkReport report;
  for (const auto& b : o.benchmarks)
    for (const auto& m : o.methods)
      for (auto s : o.seeds) report.runs.push_back(RunCurve{m, b, s, {}, {}, 0.0, 0, ""});
  std::filesystem::create_directories(o.output_dir / "runs");

  const std::size_t total = report.runs.size();
  std::atomic<std::size_t> next{0}, done{0};
  unsigned n_threads = o.n_threads > 0 ? static_cast<unsigned>(o.n_threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  n_threads = static_cast<unsigned>(std::min<std::size_t>(n_threads, total));
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < n_threads; ++i)
    pool.emplace_back([&] {
      for (std::size_t j; (j = next.fetch_add(1)) < total; done.fetch_add(1)) {
        try {
          run_one(o, blackboxes, report.runs[j], transforms.at(report.runs[j].benchmark));
        } catch (const std::exception& e) {
          report.runs[j].error = e.what();
        }
      }
    });
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::size_t last_logged = static_cast<std::size_t>(-1);
  while (o.progress && done.load() < total) {
    progress_bar(done.load(), total, elapsed(), last_logged);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& t : pool) t.join();
  if (o.progress) {
    progress_bar(total, total, elapsed(), last_logged);
    if (::isatty(STDERR_FILENO)) std::cerr << "\n";
  }
  for (const auto& r : report.runs)
    if (!r.error.empty())
      std::cerr << "[synetune] run " << r.method << " on " << r.benchmark << " seed " << r.seed
                << " failed: " << r.error << "\n";

  double horizon = o.max_wallclock_time.value_or(0.0);
  if (!o.max_wallclock_time)
    for (const auto& r : report.runs)
      if (!r.time.empty()) horizon = std::max(horizon, r.time.back());
  write_benchmark_report(o.output_dir, o.methods, o.benchmarks, labels, smaller_better, horizon, o.plot,
                         report);
  report.wall_seconds = elapsed();
  return report;
}

}  // namespace synetune
