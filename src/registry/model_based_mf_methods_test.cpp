// MOBSTER / HyperTune through the registry: HyperbandScheduler + MultiFidelityGPSearcher driven
// by the scheduler test driver (fabricated learning curves, no backend).
#include <set>

#include <gtest/gtest.h>

#include "schedulers/sim_driver.hpp"
#include "synetune/core/error.hpp"
#include "synetune/registry.hpp"

namespace synetune {
namespace {

MethodSpec spec(Json options = Json::object()) {
  MethodSpec s;
  s.space = testing::test_space();
  s.problem.metric = "loss";
  s.problem.resource_attr = "epoch";
  s.problem.max_t = 27;
  // Cheaper GP fits keep the tests fast.
  options["opt_nstarts"] = 1;
  options["opt_maxiter"] = 20;
  options["num_init_candidates"] = 100;
  s.options = std::move(options);
  s.seed = 7;
  return s;
}

std::vector<Config> started(testing::SimDriver& d) {
  std::vector<Config> out;
  for (const auto& [id, t] : d.trials()) out.push_back(t.trial.config);
  return out;
}

TEST(ModelBasedMultiFidelity, MobsterSuggestsModelBasedNoDuplicates) {
  auto s = make_scheduler("MOBSTER", spec());
  EXPECT_EQ(s->metadata().at("searcher"), "bayesopt_mf");
  testing::SimDriver d(*s, 4, 11);
  d.run(400, 27);
  EXPECT_TRUE(d.violations.empty());
  const auto cs = started(d);
  ASSERT_GT(cs.size(), 20u);
  std::set<std::string> keys;
  for (const auto& c : cs) EXPECT_TRUE(keys.insert(testing::test_space().match_string(c)).second);
  // Objective x + 1/r + 0.01 n: the model-based trials concentrate at small x.
  double late = 0;
  const std::size_t from = cs.size() - 10;
  for (std::size_t i = from; i < cs.size(); ++i) late += cs[i].at("x").get<double>();
  EXPECT_LT(late / 10.0, 0.25);
}

TEST(ModelBasedMultiFidelity, StateRoundTripSameNextSuggestion) {
  for (const char* method : {"MOBSTER", "HyperTune"}) {
    auto a = make_scheduler(method, spec());
    testing::SimDriver d(*a, 4, 5);
    d.run(120, 27);
    const Json state = a->save_state();
    auto b = make_scheduler(method, spec());
    b->load_state(state);
    const auto next = static_cast<TrialId>(d.trials().size());
    const auto sa = a->suggest(next), sb = b->suggest(next);
    ASSERT_TRUE(sa && sb) << method;
    const auto* ta = std::get_if<StartTrial>(&*sa);
    const auto* tb = std::get_if<StartTrial>(&*sb);
    ASSERT_TRUE(ta && tb) << method;
    EXPECT_EQ(ta->config, tb->config) << method;
    EXPECT_EQ(a->save_state(), b->save_state()) << method;
  }
}

TEST(ModelBasedMultiFidelity, RestrictedConfigurationsRespected) {
  auto sp = spec(Json{{"type", "promotion"}});
  Rng rng(3);
  std::set<std::string> allowed;
  std::vector<Config> list;
  for (int i = 0; i < 30; ++i) {
    list.push_back(sp.space.postprocess(sp.space.sample(rng)));
    allowed.insert(sp.space.match_string(list.back()));
  }
  sp.restrict_configurations = std::move(list);
  auto s = make_scheduler("MOBSTER", sp);
  testing::SimDriver d(*s, 4, 2);
  d.run(400, 27);
  EXPECT_TRUE(d.violations.empty());
  const auto cs = started(d);
  EXPECT_EQ(cs.size(), allowed.size());  // exhausted, each once
  for (const auto& c : cs) EXPECT_TRUE(allowed.count(sp.space.match_string(c))) << c.dump();
}

TEST(ModelBasedMultiFidelity, HyperTuneDefaultsAndOptionErrors) {
  const auto ht = make_scheduler("HyperTune", spec())->metadata();
  EXPECT_EQ(ht.at("options").at("brackets"), 4);  // rungs 1, 3, 9 + max_t
  EXPECT_EQ(ht.at("searcher"), "hypertune");
  EXPECT_EQ(make_scheduler("HyperTune", spec(Json{{"brackets", 1}}))->metadata().at("options").at("brackets"), 1);
  EXPECT_EQ(make_scheduler("MOBSTER", spec(Json{{"type", "promotion"}, {"grace_period", 3}}))->metadata().at("rung_levels"),
            (Json{3, 9}));
  try {
    make_scheduler("MOBSTER", spec(Json{{"num_init_randomm", 2}}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("num_init_randomm"), std::string::npos);
  }
  // HyperTune-only option is unknown to MOBSTER.
  EXPECT_THROW(make_scheduler("MOBSTER", spec(Json{{"hypertune_distribution_num_samples", 10}})), InvalidArgument);
  EXPECT_THROW(make_scheduler("MOBSTER", spec(Json{{"num_init_random", -1}})), InvalidArgument);
  auto no_max_t = spec();
  no_max_t.problem.max_t.reset();
  EXPECT_THROW(make_scheduler("HyperTune", no_max_t), InvalidArgument);
}

}  // namespace
}  // namespace synetune
