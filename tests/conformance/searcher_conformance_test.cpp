// The searcher conformance suite instantiated for every searcher of the project, and checked
// against a deliberately broken toy searcher (each check must be able to fail).
#include "synetune/testing/searcher_conformance.hpp"

#include <gtest/gtest-spi.h>

#include <map>

#include "synetune/searchers/bayesopt_searcher.hpp"
#include "synetune/searchers/grid_searcher.hpp"
#include "synetune/searchers/multi_fidelity_gp_searcher.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune::testing {
namespace {

SearcherFactory random_searcher() {
  SearcherFactory f;
  f.name = "RandomSearcher";
  f.make = [](const ConfigSpace& space, std::uint64_t seed) { return std::make_unique<RandomSearcher>(space, Rng(seed)); };
  f.num_suggestions = 30;
  f.exhausts_finite_space = true;  // documented: nullopt once a finite space is used up
  return f;
}

SearcherFactory grid_searcher() {
  SearcherFactory f;
  f.name = "GridSearcher";
  f.make = [](const ConfigSpace& space, std::uint64_t seed) { return std::make_unique<GridSearcher>(space, Rng(seed)); };
  f.num_suggestions = 30;
  f.exhausts_finite_space = true;  // 3 categories x 4 integers: every value is a grid point
  return f;
}

// Small GP fits and few candidates: the contract does not depend on model quality.
BayesOptOptions cheap_bo() {
  BayesOptOptions o;
  o.num_init_random = 2;
  o.num_init_candidates = 40;
  o.opt_maxiter = 10;
  o.opt_nstarts = 1;
  o.acq_opt_maxiter = 30;
  o.num_fantasy_samples = 5;
  return o;
}

template <class S>
SearcherFactory bayesopt(std::string name, BayesOptOptions o, std::function<void(Result&, const Config&)> extra) {
  SearcherFactory f;
  f.name = std::move(name);
  f.make = [o, problem = f.problem](const ConfigSpace& space, std::uint64_t seed) {
    return std::make_unique<S>(space, problem, Rng(seed), o);
  };
  f.extra_metrics = std::move(extra);
  f.num_observations = [](const Searcher& s) { return dynamic_cast<const BayesianOptimizationSearcher&>(s).num_observations(); };
  return f;
}

SearcherFactory multi_fidelity(bool hypertune) {
  SearcherFactory f;
  f.name = hypertune ? "MultiFidelityGPSearcherHyperTune" : "MultiFidelityGPSearcher";
  f.resource_levels = {1, 3, 9};
  f.problem.max_t = 9;
  f.make = [hypertune, problem = f.problem](const ConfigSpace& space, std::uint64_t seed) {
    MultiFidelityGPOptions o;
    o.num_init_random = 2;
    o.num_init_candidates = 40;
    o.opt_maxiter = 10;
    o.opt_nstarts = 1;
    o.num_fantasy_samples = 5;
    o.hypertune = hypertune;
    o.hypertune_distribution_num_samples = 10;
    auto searcher = std::make_unique<MultiFidelityGPSearcher>(space, problem, Rng(seed), o);
    searcher->set_rung_levels({1, 3});  // as HyperbandScheduler does
    return searcher;
  };
  f.num_observations = [](const Searcher& s) { return dynamic_cast<const MultiFidelityGPSearcher&>(s).num_observations(); };
  // As Syne Tune's GPMultiFidelitySearcher: a failed trial's earlier results stay data.
  f.keeps_results_of_failed_trials = true;
  return f;
}

std::vector<SearcherFactory> project_searchers() {
  BayesOptOptions constrained = cheap_bo(), cost = cheap_bo();
  constrained.constraint_attr = "constraint";
  cost.cost_attr = "cost";
  return {
      random_searcher(),
      grid_searcher(),
      bayesopt<BayesianOptimizationSearcher>("BayesianOptimizationSearcher", cheap_bo(), {}),
      bayesopt<ConstrainedBayesianOptimizationSearcher>(
          "ConstrainedBayesianOptimizationSearcher", constrained,
          [](Result& r, const Config& c) { (void)c, r.set("constraint", r.get("loss") - 0.8); }),
      bayesopt<CostAwareBayesianOptimizationSearcher>(
          "CostAwareBayesianOptimizationSearcher", cost,
          [](Result& r, const Config& c) { (void)c, r.set("cost", 1.0 + r.get("loss")); }),
      multi_fidelity(false),
      multi_fidelity(true),
  };
}

INSTANTIATE_TEST_SUITE_P(Project, SearcherConformance, ::testing::ValuesIn(project_searchers()),
                         SearcherFactory::test_name);

// ---- The suite catches broken searchers ----

enum class Flaw { kNone, kIgnoresSeed, kOutOfSpace, kChangesConstant, kForgetsState, kRepeats, kEndless, kSuggestsFailed };

// Random sampling with de-duplication, correct unless `flaw` says otherwise.
class ToySearcher : public Searcher {
 public:
  ToySearcher(ConfigSpace space, std::uint64_t seed, Flaw flaw)
      : space_(std::move(space)), rng_(flaw == Flaw::kIgnoresSeed ? 42 : seed), flaw_(flaw) {}
  std::optional<Config> suggest(TrialId) override {
    if (flaw_ == Flaw::kSuggestsFailed && !failed_.empty()) return failed_.back();
    for (int i = 0; i < 1000; ++i) {
      Config c = space_.postprocess(space_.sample(rng_));
      if (flaw_ == Flaw::kRepeats && last_) return *last_;
      if (!seen_.insert(space_.match_string(c)).second && flaw_ != Flaw::kEndless) continue;
      if (flaw_ == Flaw::kOutOfSpace) c["x"] = 5.0;  // conformance_space(): x in [-1, 2]
      if (flaw_ == Flaw::kChangesConstant)
        for (const auto& hp : space_.hyperparameters())
          if (hp.is_constant()) c[hp.name] = 0;
      last_ = c;
      return c;
    }
    return std::nullopt;
  }
  void on_trial_add(TrialId id, const Config& c) override { configs_[id] = c; }
  void on_trial_error(TrialId id) override { failed_.push_back(configs_.at(id)); }
  std::string name() const override { return "toy"; }
  Json save_state() const override {
    if (flaw_ == Flaw::kForgetsState) return Json::object();
    return Json{{"rng", rng_.save_state()}, {"seen", std::vector<std::string>(seen_.begin(), seen_.end())}};
  }
  void load_state(const Json& s) override {
    if (flaw_ == Flaw::kForgetsState) return;
    rng_.load_state(s.at("rng"));
    seen_.clear();
    for (const auto& k : s.at("seen")) seen_.insert(k.get<std::string>());
  }

 private:
  ConfigSpace space_;
  Rng rng_;
  Flaw flaw_;
  std::set<std::string> seen_;
  std::optional<Config> last_;
  std::map<TrialId, Config> configs_;
  std::vector<Config> failed_;
};

SearcherFactory toy(Flaw flaw) {
  SearcherFactory f;
  f.name = "Toy";
  f.make = [flaw](const ConfigSpace& space, std::uint64_t seed) { return std::make_unique<ToySearcher>(space, seed, flaw); };
  f.exhausts_finite_space = true;
  return f;
}

TEST(SearcherConformanceSelfTest, CorrectToyPassesEveryCheck) {
  const auto f = toy(Flaw::kNone);
  EXPECT_EQ(check_searcher_suggestions_in_space(f), std::nullopt);
  EXPECT_EQ(check_searcher_constants_untouched(f), std::nullopt);
  EXPECT_EQ(check_searcher_empty_history(f), std::nullopt);
  EXPECT_EQ(check_searcher_same_seed(f), std::nullopt);
  EXPECT_EQ(check_searcher_different_seed(f), std::nullopt);
  EXPECT_EQ(check_searcher_save_load(f), std::nullopt);
  EXPECT_EQ(check_searcher_failed_trials_excluded(f), std::nullopt);
  EXPECT_EQ(check_searcher_no_duplicates(f), std::nullopt);
  EXPECT_EQ(check_searcher_exhaustion(f), std::nullopt);
}

TEST(SearcherConformanceSelfTest, DetectsIgnoredSeed) {
  EXPECT_EQ(check_searcher_same_seed(toy(Flaw::kIgnoresSeed)), std::nullopt);
  EXPECT_NONFATAL_FAILURE(SYNETUNE_EXPECT_CONFORMS(check_searcher_different_seed(toy(Flaw::kIgnoresSeed))),
                          "gave the same sequence");
}

TEST(SearcherConformanceSelfTest, DetectsValuesOutsideTheSpace) {
  const auto why = check_searcher_suggestions_in_space(toy(Flaw::kOutOfSpace));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("'x' = 5.0"), std::string::npos) << *why;
}

TEST(SearcherConformanceSelfTest, DetectsChangedConstants) {
  const auto why = check_searcher_constants_untouched(toy(Flaw::kChangesConstant));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("constant changed"), std::string::npos) << *why;
}

TEST(SearcherConformanceSelfTest, DetectsIncompleteState) {
  EXPECT_TRUE(check_searcher_save_load(toy(Flaw::kForgetsState)));
}

TEST(SearcherConformanceSelfTest, DetectsDuplicates) {
  EXPECT_TRUE(check_searcher_no_duplicates(toy(Flaw::kRepeats)));
}

TEST(SearcherConformanceSelfTest, DetectsMissingExhaustion) {
  EXPECT_TRUE(check_searcher_exhaustion(toy(Flaw::kEndless)));
}

TEST(SearcherConformanceSelfTest, DetectsFailedConfigSuggestedAgain) {
  const auto why = check_searcher_failed_trials_excluded(toy(Flaw::kSuggestsFailed));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("suggested again"), std::string::npos) << *why;
}

TEST(SearcherConformanceSelfTest, DetectsFailedTrialsCountedAsObservations) {
  auto f = toy(Flaw::kNone);
  f.num_observations = [](const Searcher&) { return std::size_t{1000}; };  // counts everything
  EXPECT_TRUE(check_searcher_failed_trials_excluded(f));
}

}  // namespace
}  // namespace synetune::testing
