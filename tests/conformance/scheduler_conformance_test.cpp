// The scheduler conformance suite instantiated for every scheduler of the project, and checked
// against a deliberately broken toy scheduler (each check must be able to fail).
#include "synetune/testing/scheduler_conformance.hpp"

#include <gtest/gtest-spi.h>

#include <deque>
#include <set>

#include "synetune/registry.hpp"
#include "synetune/schedulers/fifo_scheduler.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/schedulers/median_stopping_rule.hpp"
#include "synetune/schedulers/population_based_training.hpp"
#include "synetune/schedulers/synchronous_hyperband.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune::testing {
namespace {

ProblemSpec test_problem(std::string max_resource_attr = "") {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = 27;
  p.max_resource_attr = std::move(max_resource_attr);
  return p;
}

std::unique_ptr<Searcher> searcher(std::uint64_t seed) {
  return std::make_unique<RandomSearcher>(test_space(), Rng(derive_seed(seed, "searcher")));
}

SchedulerFactory fifo() {
  SchedulerFactory f;
  f.name = "FifoScheduler";
  f.make = [](std::uint64_t seed) { return std::make_unique<FifoScheduler>(test_problem(), searcher(seed)); };
  return f;
}

SchedulerFactory hyperband(HyperbandType type, int brackets) {
  SchedulerFactory f;
  const bool promotion = type == HyperbandType::kPromotion;
  f.name = std::string("HyperbandScheduler") + (promotion ? "Promotion" : "Stopping") + std::to_string(brackets) + "Brackets";
  // Promotion-type: the scheduler sets the trial's stopping level in the config.
  if (promotion) f.extra_config_keys = {"epochs"};
  // HyperbandScheduler::state_of takes a never-added trial into bracket 0.
  f.unknown_trial_result = UnknownTrialResult::kAdopted;
  f.make = [type, brackets, promotion](std::uint64_t seed) {
    HyperbandOptions o;
    o.type = type;
    o.brackets = brackets;
    o.seed = seed;
    return std::make_unique<HyperbandScheduler>(test_problem(promotion ? "epochs" : ""), o, searcher(seed));
  };
  return f;
}

SchedulerFactory synchronous_hyperband(std::optional<int> brackets) {
  SchedulerFactory f;
  f.name = brackets ? "SynchronousHyperbandScheduler1Bracket" : "SynchronousHyperbandScheduler";
  f.make = [brackets](std::uint64_t seed) {
    SynchronousHyperbandOptions o;
    o.brackets = brackets;
    return std::make_unique<SynchronousHyperbandScheduler>(test_problem(), o, searcher(seed));
  };
  return f;
}

SchedulerFactory median_stopping_rule() {
  SchedulerFactory f;
  f.name = "MedianStoppingRule";
  f.make = [](std::uint64_t seed) {
    MedianStoppingRuleOptions o;
    o.grace_time = 2;
    return std::make_unique<MedianStoppingRule>(std::make_unique<FifoScheduler>(test_problem(), searcher(seed)), o);
  };
  return f;
}

SchedulerFactory pbt() {
  SchedulerFactory f;
  f.name = "PopulationBasedTraining";
  f.make = [](std::uint64_t seed) {
    PbtOptions o;
    o.perturbation_interval = 3;
    o.seed = seed;
    return std::make_unique<PopulationBasedTraining>(test_space(), test_problem(), o, searcher(seed));
  };
  return f;
}

// Model-based methods through the registry, with cheap GP fits (the contract does not depend
// on model quality) and shorter runs.
SchedulerFactory registry_method(const std::string& method) {
  SchedulerFactory f;
  f.name = method;
  f.steps = 120;
  f.unknown_trial_result = UnknownTrialResult::kAdopted;  // HyperbandScheduler underneath
  f.make = [method](std::uint64_t seed) {
    MethodSpec spec;
    spec.space = test_space();
    spec.problem = test_problem();
    spec.options = Json{{"opt_nstarts", 1}, {"opt_maxiter", 10}, {"num_init_candidates", 40}, {"num_init_random", 3}};
    spec.seed = seed;
    return make_scheduler(method, spec);
  };
  return f;
}

std::vector<SchedulerFactory> project_schedulers() {
  return {
      fifo(),
      hyperband(HyperbandType::kStopping, 1),
      hyperband(HyperbandType::kStopping, 3),
      hyperband(HyperbandType::kPromotion, 1),
      hyperband(HyperbandType::kPromotion, 3),
      synchronous_hyperband(std::nullopt),
      synchronous_hyperband(1),
      median_stopping_rule(),
      pbt(),
      registry_method("MOBSTER"),
      registry_method("HyperTune"),
  };
}

INSTANTIATE_TEST_SUITE_P(Project, SchedulerConformance, ::testing::ValuesIn(project_schedulers()),
                         SchedulerFactory::test_name);

// ---- The suite catches broken schedulers ----

enum class Flaw { kNone, kIgnoresSeed, kForgetsState, kResumesFailed, kResumesUnknown, kOutOfSpace, kThrowsOnUnknown };

// Random configs; pauses half the trials at resource 3 and resumes them first. Correct unless
// `flaw` says otherwise.
class ToyScheduler : public Scheduler {
 public:
  ToyScheduler(std::uint64_t seed, Flaw flaw) : rng_(flaw == Flaw::kIgnoresSeed ? 42 : seed), flaw_(flaw) {}
  std::optional<TrialSuggestion> suggest(TrialId) override {
    if (flaw_ == Flaw::kResumesUnknown && ++suggestions_ == 5) return ResumeTrial{.trial_id = 777, .new_config = std::nullopt};
    if (!paused_.empty()) {
      const TrialId id = paused_.front();
      paused_.pop_front();
      return ResumeTrial{.trial_id = id, .new_config = std::nullopt};
    }
    Config c = test_space().sample(rng_);
    if (flaw_ == Flaw::kOutOfSpace) c["n"] = 11;
    return StartTrial{.config = c, .warm_start_from = std::nullopt};
  }
  void on_trial_add(const Trial&) override {}
  Decision on_trial_result(const Trial& t, const Result& r) override {
    if (flaw_ == Flaw::kThrowsOnUnknown && !known_.count(t.trial_id) && t.trial_id > 1000) throw std::out_of_range("unknown");
    known_.insert(t.trial_id);
    if (r.get("epoch") == 3 && !was_paused_.count(t.trial_id) && rng_.bernoulli(0.5)) {
      was_paused_.insert(t.trial_id);
      paused_.push_back(t.trial_id);
      return Decision::kPause;
    }
    return Decision::kContinue;
  }
  void on_trial_complete(const Trial&, const Result&) override {}
  void on_trial_error(const Trial& t) override {
    if (flaw_ == Flaw::kResumesFailed) paused_.push_back(t.trial_id);
  }
  const ProblemSpec& problem() const override { return problem_; }
  Json metadata() const override { return Json::object(); }
  Json save_state() const override {
    if (flaw_ == Flaw::kForgetsState) return Json::object();
    return Json{{"rng", rng_.save_state()}, {"paused", std::vector<TrialId>(paused_.begin(), paused_.end())},
                {"was_paused", std::vector<TrialId>(was_paused_.begin(), was_paused_.end())},
                {"known", std::vector<TrialId>(known_.begin(), known_.end())}};
  }
  void load_state(const Json& s) override {
    if (flaw_ == Flaw::kForgetsState) return;
    rng_.load_state(s.at("rng"));
    paused_.assign(s.at("paused").begin(), s.at("paused").end());
    was_paused_ = s.at("was_paused").get<std::set<TrialId>>();
    known_ = s.at("known").get<std::set<TrialId>>();
  }

 private:
  Rng rng_;
  Flaw flaw_;
  ProblemSpec problem_ = test_problem();
  std::deque<TrialId> paused_;
  std::set<TrialId> was_paused_, known_;
  int suggestions_ = 0;
};

SchedulerFactory toy(Flaw flaw) {
  SchedulerFactory f;
  f.name = "Toy";
  f.make = [flaw](std::uint64_t seed) { return std::make_unique<ToyScheduler>(seed, flaw); };
  return f;
}

TEST(SchedulerConformanceSelfTest, CorrectToyPassesEveryCheck) {
  const auto f = toy(Flaw::kNone);
  EXPECT_EQ(check_scheduler_lifecycle(f), std::nullopt);
  EXPECT_EQ(check_scheduler_failed_never_resumed(f), std::nullopt);
  EXPECT_EQ(check_scheduler_known_trials_only(f), std::nullopt);
  EXPECT_EQ(check_scheduler_unknown_trial_result(f), std::nullopt);
  EXPECT_EQ(check_scheduler_same_seed(f), std::nullopt);
  EXPECT_EQ(check_scheduler_different_seed(f), std::nullopt);
  EXPECT_EQ(check_scheduler_save_load(f), std::nullopt);
  EXPECT_EQ(check_scheduler_suggestions_in_space(f), std::nullopt);
}

TEST(SchedulerConformanceSelfTest, DetectsIgnoredSeed) {
  EXPECT_NONFATAL_FAILURE(SYNETUNE_EXPECT_CONFORMS(check_scheduler_different_seed(toy(Flaw::kIgnoresSeed))),
                          "gave the same trace");
}

TEST(SchedulerConformanceSelfTest, DetectsIncompleteState) {
  const auto why = check_scheduler_save_load(toy(Flaw::kForgetsState));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("traces differ"), std::string::npos) << *why;
}

TEST(SchedulerConformanceSelfTest, DetectsResumedFailedTrial) {
  const auto why = check_scheduler_failed_never_resumed(toy(Flaw::kResumesFailed));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("(Failed)"), std::string::npos) << *why;
}

TEST(SchedulerConformanceSelfTest, DetectsResumeOfUnknownTrial) {
  const auto why = check_scheduler_known_trials_only(toy(Flaw::kResumesUnknown));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("777 (unknown)"), std::string::npos) << *why;
}

TEST(SchedulerConformanceSelfTest, DetectsConfigOutsideTheSpace) {
  const auto why = check_scheduler_suggestions_in_space(toy(Flaw::kOutOfSpace));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("'n' = 11"), std::string::npos) << *why;
}

TEST(SchedulerConformanceSelfTest, DetectsUndeclaredExceptionForUnknownTrial) {
  auto f = toy(Flaw::kThrowsOnUnknown);
  EXPECT_TRUE(check_scheduler_unknown_trial_result(f));
  f.unknown_trial_result = UnknownTrialResult::kThrows;
  EXPECT_EQ(check_scheduler_unknown_trial_result(f), std::nullopt);
}

}  // namespace
}  // namespace synetune::testing
