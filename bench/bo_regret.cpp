// Sequential GP-BO (ask/tell with BayesianOptimizationSearcher, no tuner) on Hartmann6 and
// Branin, seeds 0-9, 100 evaluations each, default options (midpoint + 3 random initial
// configs). Prints a markdown table of the median simple regret after 50 and 100 evaluations.
// Usage: bo_regret [num_seeds] [num_evals] [initial_scoring: thompson_indep|acq_func]
//                  [target_transform: standardize|rank_gaussian]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "synetune/blackboxes/analytic_functions.hpp"
#include "synetune/searchers/bayesopt_searcher.hpp"

using namespace synetune;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Simple regret after each evaluation for one seed.
std::vector<double> run_one(const AnalyticFunction& f, std::uint64_t seed, int num_evals,
                            const BayesOptOptions& options) {
  ConfigSpace space;
  for (std::size_t i = 0; i < f.dimension(); ++i)
    space.add("x" + std::to_string(i), uniform(f.bounds[i].first, f.bounds[i].second));
  ProblemSpec problem;
  problem.metric = "y";
  BayesianOptimizationSearcher searcher(space, problem, Rng(derive_seed(seed, "bo_regret")), options);
  std::vector<double> regret;
  double best = 1e300;
  std::vector<double> x(f.dimension());
  for (TrialId id = 0; id < num_evals; ++id) {
    const auto config = searcher.suggest(id);
    if (!config) break;
    searcher.on_trial_add(id, *config);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = config->at("x" + std::to_string(i)).get<double>();
    const double y = f.evaluate(x);
    Result r;
    r.trial_id = id;
    r.set("y", y);
    searcher.on_trial_complete(id, *config, r);
    best = std::min(best, y);
    regret.push_back(std::max(best - f.optimum_value, 0.0));
  }
  return regret;
}

}  // namespace

int main(int argc, char** argv) {
  const int num_seeds = argc > 1 ? std::atoi(argv[1]) : 10;
  const int num_evals = argc > 2 ? std::atoi(argv[2]) : 100;
  BayesOptOptions options;
  if (argc > 3) options.initial_scoring = parse_initial_scoring(argv[3]);
  if (argc > 4) options.target_transform = parse_target_transform(argv[4]);
  std::printf("| function | median regret @50 | median regret @100 | seconds |\n");
  std::printf("|---|---|---|---|\n");
  for (const AnalyticFunction* f : {&hartmann6_function(), &branin_function()}) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<double> at50, at100;
    for (int seed = 0; seed < num_seeds; ++seed) {
      const auto r = run_one(*f, static_cast<std::uint64_t>(seed), num_evals, options);
      at50.push_back(r[std::min<std::size_t>(49, r.size() - 1)]);
      at100.push_back(r.back());
      std::fprintf(stderr, "%s seed %d: regret@50 %.3g @%zu %.3g\n", f->name.c_str(), seed,
                   at50.back(), r.size(), at100.back());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("| %s | %.3g | %.3g | %.1f |\n", f->name.c_str(), median(at50), median(at100), secs);
  }
  return 0;
}
