#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "schedulers/sim_driver.hpp"
#include "synetune/core/error.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/schedulers/median_stopping_rule.hpp"
#include "synetune/schedulers/population_based_training.hpp"

namespace synetune {
namespace {

ProblemSpec spec(std::int64_t max_t) {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = max_t;
  return p;
}

Result res(double loss, double epoch) {
  Result r;
  r.set("loss", loss);
  r.set("epoch", epoch);
  return r;
}

// Inner scheduler that always continues (ASHA with max_t far away and no rung reached).
std::unique_ptr<Scheduler> inner() {
  HyperbandOptions o;
  o.rung_levels = {1000};
  return std::make_unique<HyperbandScheduler>(spec(10000), o, testing::test_searcher());
}

TEST(MedianStoppingRule, StopsWorseThanMedianAfterGrace) {
  MedianStoppingRuleOptions o;
  o.running_average = false;
  MedianStoppingRule m(inner(), o);
  for (TrialId id = 0; id < 10; ++id) m.on_trial_add(Trial{id, Json{{"x", 0.1}, {"n", 1}}, {}, 0});
  // First 4 values at epoch 2: grace population (< 5 values) -> continue whatever the value.
  for (TrialId id = 0; id < 4; ++id)
    EXPECT_EQ(m.on_trial_result(Trial{id, {}, {}, 0}, res(static_cast<double>(id), 2)), Decision::kContinue);
  // 5th value, rank 4/5 = 0.8 > 0.5 -> stop; 6th value 0.5: rank 1/6 -> continue.
  EXPECT_EQ(m.on_trial_result(Trial{4, {}, {}, 0}, res(10.0, 2)), Decision::kStop);
  EXPECT_EQ(m.on_trial_result(Trial{5, {}, {}, 0}, res(0.5, 2)), Decision::kContinue);
  // rank exactly 0.5 continues (<=): values {0,0.5,1,2,3,10} + 1.5 -> index 3 of 7 = 0.43.
  EXPECT_EQ(m.on_trial_result(Trial{6, {}, {}, 0}, res(1.5, 2)), Decision::kContinue);
  // Resource below grace_time never stops.
  MedianStoppingRuleOptions g;
  g.grace_time = 5;
  g.grace_population = 0;
  MedianStoppingRule m2(inner(), g);
  m2.on_trial_add(Trial{0, Json{{"x", 0.1}, {"n", 1}}, {}, 0});
  m2.on_trial_add(Trial{1, Json{{"x", 0.1}, {"n", 1}}, {}, 0});
  m2.on_trial_add(Trial{2, Json{{"x", 0.1}, {"n", 1}}, {}, 0});
  EXPECT_EQ(m2.on_trial_result(Trial{0, {}, {}, 0}, res(0.0, 1)), Decision::kContinue);
  EXPECT_EQ(m2.on_trial_result(Trial{1, {}, {}, 0}, res(9.0, 1)), Decision::kContinue);
  EXPECT_EQ(m2.on_trial_result(Trial{0, {}, {}, 0}, res(0.0, 5)), Decision::kContinue);
  EXPECT_EQ(m2.on_trial_result(Trial{2, {}, {}, 0}, res(1.0, 5)), Decision::kContinue);  // rank 1/2
  EXPECT_EQ(m2.on_trial_result(Trial{1, {}, {}, 0}, res(9.0, 5)), Decision::kStop);  // rank 2/3
}

TEST(MedianStoppingRule, RunningAverageAndSaveLoad) {
  MedianStoppingRule a(inner(), {}), b(inner(), {});
  testing::SimDriver da(a, 6, 3), db(b, 6, 3);
  da.run(1500, 30);
  db.run(500, 30);
  MedianStoppingRule c(inner(), {});
  c.load_state(Json::parse(b.save_state().dump()));
  db.rebind(c);
  db.run(1000, 30);
  EXPECT_EQ(da.trace(), db.trace());
  EXPECT_NE(da.trace().find(":STOP"), std::string::npos);
  EXPECT_EQ(a.metadata().at("scheduler_name"), "MedianStoppingRule");
}

std::unique_ptr<PopulationBasedTraining> pbt(std::uint64_t seed, double interval = 2) {
  PbtOptions o;
  o.perturbation_interval = interval;
  o.seed = seed;
  ConfigSpace sp = testing::test_space();
  return std::make_unique<PopulationBasedTraining>(sp, spec(20), o, testing::test_searcher(seed));
}

TEST(PopulationBasedTraining, ExploitClonesTopTrialWithDonorId) {
  auto s = pbt(1);
  for (TrialId id = 0; id < 4; ++id) s->on_trial_add(Trial{id, Json{{"x", 0.1 * (id + 1)}, {"n", 5}}, {}, 0});
  // Interval 2: epoch 1 continues; at epoch 2 scores arrive in improving order, so the
  // newcomer is never in the bottom quantile.
  EXPECT_EQ(s->on_trial_result(Trial{0, {}, {}, 0}, res(3, 1)), Decision::kContinue);
  for (TrialId id = 0; id < 4; ++id)
    EXPECT_EQ(s->on_trial_result(Trial{id, {}, {}, 0}, res(static_cast<double>(3 - id), 2)), Decision::kContinue);
  // At epoch 4 trial 0 is still worst of 4; k = ceil(4 * 0.25) = 1: stopped, cloned from trial 3.
  EXPECT_EQ(s->on_trial_result(Trial{0, {}, {}, 0}, res(3, 3)), Decision::kContinue);  // < interval
  EXPECT_EQ(s->on_trial_result(Trial{0, {}, {}, 0}, res(3, 4)), Decision::kStop);
  auto sug = s->suggest(4);
  ASSERT_TRUE(sug);
  const auto& st = std::get<StartTrial>(*sug);
  ASSERT_TRUE(st.warm_start_from);
  EXPECT_EQ(*st.warm_start_from, 3);
  const double x = st.config.at("x").get<double>();
  const auto n = st.config.at("n").get<std::int64_t>();
  EXPECT_GE(x, 0.0);
  EXPECT_LE(x, 1.0);
  EXPECT_GE(n, 1);
  EXPECT_LE(n, 10);
  // Next suggestion is a fresh random trial.
  auto fresh = s->suggest(5);
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(std::get<StartTrial>(*fresh).warm_start_from);
  EXPECT_EQ(s->on_trial_result(Trial{1, {}, {}, 0}, res(0, 20)), Decision::kStop);  // max_t
}

TEST(PopulationBasedTraining, ExplorePerturbsOrResamplesWithinBounds) {
  auto s = pbt(3);
  std::set<double> xs;
  for (int i = 0; i < 200; ++i) {
    const Config c = s->explore(Json{{"x", 0.5}, {"n", 10}});
    const double x = c.at("x").get<double>();
    xs.insert(x);
    EXPECT_GE(x, 0.0);
    EXPECT_LE(x, 1.0);
    EXPECT_LE(c.at("n").get<std::int64_t>(), 10);
    EXPECT_TRUE(c.at("n").is_number_integer());
  }
  EXPECT_TRUE(xs.count(0.6) || xs.count(0.5 * 1.2));
  EXPECT_TRUE(xs.count(0.4) || xs.count(0.5 * 0.8));
  EXPECT_GT(xs.size(), 10u);  // resampled values too
}

TEST(PopulationBasedTraining, SimulationSeedAndSaveLoad) {
  auto a = pbt(4), b = pbt(4);
  testing::SimDriver da(*a, 4, 5), db(*b, 4, 5);
  da.run(600, 20);
  db.run(250, 20);
  auto c = pbt(99);
  c->load_state(Json::parse(b->save_state().dump()));
  db.rebind(*c);
  db.run(350, 20);
  EXPECT_EQ(da.trace(), db.trace());
  EXPECT_TRUE(da.violations.empty());
  int warm = 0;
  for (const auto& [id, from] : da.starts) warm += from.has_value();
  EXPECT_GT(warm, 0);
  PbtOptions bad;
  bad.quantile_fraction = 0.7;
  EXPECT_THROW(PopulationBasedTraining(testing::test_space(), spec(20), bad, testing::test_searcher()), InvalidArgument);
}

}  // namespace
}  // namespace synetune
