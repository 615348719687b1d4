// Latency of one model-based BayesianOptimizationSearcher::suggest in 6 dims, with the GP
// hyperparameters refitted at every call (Syne Tune's default), at 100 and 400 observations.
// Also times the GP hyperparameter fit alone and one likelihood+gradient evaluation.
#include <benchmark/benchmark.h>

#include <cmath>

#include "synetune/searchers/bayesopt_searcher.hpp"
#include "synetune/surrogate/gaussian_process.hpp"

namespace synetune {
namespace {

double hartmann6_like(const Config& c) {
  double s = 0;
  for (int i = 0; i < 6; ++i) {
    const double x = c.at("x" + std::to_string(i)).get<double>();
    s += std::sin(3 * x + i) * (1 + 0.1 * i);
  }
  return s;
}

std::unique_ptr<BayesianOptimizationSearcher> make_searcher(int n) {
  ConfigSpace space;
  for (int i = 0; i < 6; ++i) space.add("x" + std::to_string(i), uniform(0, 1));
  ProblemSpec p;
  p.metric = "y";
  auto s = std::make_unique<BayesianOptimizationSearcher>(
      space, p, Rng(1), BayesOptOptions{.points_to_evaluate = std::vector<Config>{}});
  Rng rng(2);
  for (TrialId id = 0; id < n; ++id) {
    const Config c = space.postprocess(space.sample(rng));
    s->on_trial_add(id, c);
    Result r;
    r.set("y", hartmann6_like(c));
    s->on_trial_complete(id, c, r);
  }
  return s;
}

void BM_BayesOpt_Suggest(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto s = make_searcher(n);
  TrialId id = n;
  // Steady state: the first model-based suggestion fits the GP from scratch (no warm start
  // yet); BM_GP_Fit times that cold fit.
  benchmark::DoNotOptimize(s->suggest(id++));
  for (auto _ : state) benchmark::DoNotOptimize(s->suggest(id++));
  state.counters["observations"] = n;
}
BENCHMARK(BM_BayesOpt_Suggest)->Arg(100)->Arg(400)->Unit(benchmark::kMillisecond);

// The realistic loop: each suggestion follows one new observation (the warm start of the
// hyperparameter fit then comes from slightly different data). n grows by one per iteration.
void BM_BayesOpt_SuggestAfterObservation(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto s = make_searcher(n);
  TrialId id = n;
  benchmark::DoNotOptimize(s->suggest(id++));  // cold fit, as in BM_BayesOpt_Suggest
  for (auto _ : state) {
    const auto c = s->suggest(id);
    state.PauseTiming();
    s->on_trial_add(id, *c);
    Result r;
    r.set("y", hartmann6_like(*c));
    s->on_trial_complete(id, *c, r);
    ++id;
    state.ResumeTiming();
  }
  state.counters["observations"] = n;
}
BENCHMARK(BM_BayesOpt_SuggestAfterObservation)->Arg(100)->Arg(400)->Iterations(20)->Unit(benchmark::kMillisecond);

void gp_data(int n, Eigen::MatrixXd& X, Eigen::VectorXd& y) {
  Rng rng(3);
  X.resize(n, 6);
  y.resize(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 6; ++j) X(i, j) = rng.uniform();
    y(i) = std::sin(3 * X(i, 0)) + X(i, 1) * X(i, 2) - X(i, 5);
  }
}

void BM_GP_Fit(benchmark::State& state) {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  gp_data(static_cast<int>(state.range(0)), X, y);
  GaussianProcess gp(6);
  gp.set_data(X, y);
  Rng rng(4);
  for (auto _ : state) {
    gp.fit(rng);
    benchmark::DoNotOptimize(gp.hyperparameters().mean);
  }
  state.counters["evaluations"] = gp.last_fit_evaluations();
}
BENCHMARK(BM_GP_Fit)->Arg(100)->Arg(400)->Unit(benchmark::kMillisecond);

void BM_GP_LikelihoodGradient(benchmark::State& state) {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  gp_data(static_cast<int>(state.range(0)), X, y);
  GaussianProcess gp(6);
  gp.set_data(X, y);
  const Eigen::VectorXd theta = GPHyperparameters::initial(6).to_internal();
  Eigen::VectorXd grad;
  for (auto _ : state) benchmark::DoNotOptimize(gp.neg_log_posterior(theta, &grad));
}
BENCHMARK(BM_GP_LikelihoodGradient)->Arg(100)->Arg(400)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace synetune

BENCHMARK_MAIN();
