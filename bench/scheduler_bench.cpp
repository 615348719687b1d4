// Scheduler hot paths. BM_Asha_OnTrialResult: one call of HyperbandScheduler::on_trial_result
// (stopping type) on a state holding 10,000 trials and 100,000 recorded results; the median of
// the repetitions is the figure to compare with the 2 us target.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune {
namespace {

ConfigSpace space() {
  ConfigSpace s;
  s.add("x", uniform(0.0, 1.0));
  return s;
}

ProblemSpec problem() {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = 81;
  p.max_resource_attr = "epochs";
  return p;
}

Result make_result(double loss, double epoch) {
  Result r;
  r.set("loss", loss);
  r.set("epoch", epoch);
  return r;
}

// 10,000 trials, 10 results each (100,000 results), rung levels 1, 3, 9, 27.
std::unique_ptr<HyperbandScheduler> filled(HyperbandType type, std::vector<Trial>& trials) {
  HyperbandOptions o;
  o.type = type;
  auto s = std::make_unique<HyperbandScheduler>(problem(), o, std::make_unique<RandomSearcher>(space(), Rng(1)));
  Rng rng(2);
  trials.resize(10000);
  for (TrialId id = 0; id < 10000; ++id) {
    trials[id].trial_id = id;
    trials[id].config = Json{{"x", rng.uniform()}};
    s->on_trial_add(trials[id]);
    for (int r = 1; r <= 10; ++r) {
      const Decision d = s->on_trial_result(trials[id], make_result(rng.uniform(), r));
      if (d != Decision::kContinue) break;  // stopped or paused: later results not sent
    }
  }
  return s;
}

void BM_Asha_OnTrialResult(benchmark::State& state) {
  std::vector<Trial> trials;
  auto s = filled(HyperbandType::kStopping, trials);
  // Fresh trials reporting 1..81 in turn: mixes milestone inserts (10k-entry rung) and plain
  // results, as a running experiment does.
  Rng rng(3);
  TrialId next = 10000;
  Trial cur;
  std::int64_t epoch = 81;
  std::vector<Result> pool;
  for (int i = 0; i < 1024; ++i) pool.push_back(make_result(rng.uniform(), 1));
  std::size_t i = 0;
  for (auto _ : state) {
    if (epoch >= 81) {  // next trial; its on_trial_add (1 in ~10 calls) is timed too
      cur.trial_id = next++;
      cur.config = Json{{"x", rng.uniform()}};
      s->on_trial_add(cur);
      epoch = 0;
    }
    Result& r = pool[i++ & 1023];
    r.values[1].second = static_cast<double>(++epoch);
    const Decision d = s->on_trial_result(cur, r);
    if (d != Decision::kContinue) epoch = 81;
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Asha_OnTrialResult)->Repetitions(10)->ReportAggregatesOnly(true);

// Milestone inserts only: every call records into the 10k-entry rung 0 and computes its quantile.
void BM_Asha_OnTrialResultMilestone(benchmark::State& state) {
  std::vector<Trial> trials;
  auto s = filled(HyperbandType::kStopping, trials);
  Rng rng(4);
  // Trials added and results built outside the timed loop.
  const std::int64_t n = state.max_iterations;
  std::vector<Trial> fresh(static_cast<std::size_t>(n));
  std::vector<Result> results;
  for (std::int64_t k = 0; k < n; ++k) {
    fresh[k].trial_id = 10000 + k;
    fresh[k].config = Json{{"x", 0.5}};
    s->on_trial_add(fresh[k]);
    results.push_back(make_result(rng.uniform(), 1));
  }
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s->on_trial_result(fresh[k], results[k]));
    ++k;
  }
}
BENCHMARK(BM_Asha_OnTrialResultMilestone)->Repetitions(5)->ReportAggregatesOnly(true)->Iterations(20000);

// Promotion type: suggest() scanning rungs for a promotable paused trial (or starting a new one).
void BM_AshaPromotion_Suggest(benchmark::State& state) {
  std::vector<Trial> trials;
  auto s = filled(HyperbandType::kPromotion, trials);
  TrialId next = 20000;
  for (auto _ : state) {
    auto sug = s->suggest(next++);
    benchmark::DoNotOptimize(sug);
  }
}
BENCHMARK(BM_AshaPromotion_Suggest)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace synetune

BENCHMARK_MAIN();
