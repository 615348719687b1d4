#include "synetune/searchers/random_searcher.hpp"

#include <gtest/gtest.h>

#include <set>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

ConfigSpace small_space() {
  ConfigSpace cs;
  cs.add("n", randint(1, 3)).add("act", choice({"relu", "tanh"})).add("epochs", constant(10));
  return cs;
}

TEST(RandomSearcher, MidpointFirstByDefault) {
  ConfigSpace cs;
  cs.add("lr", loguniform(1e-4, 1e-2)).add("n", randint(1, 9)).add("e", constant(3));
  RandomSearcher s(cs, Rng(1));
  const auto c = s.suggest(0);
  ASSERT_TRUE(c);
  EXPECT_NEAR((*c)["lr"].get<double>(), 1e-3, 1e-15);
  EXPECT_EQ((*c)["n"], 5);
  EXPECT_EQ((*c)["e"], 3);
}

TEST(RandomSearcher, EmptyPointsToEvaluateDisablesMidpoint) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1));
  RandomSearcher s(cs, Rng(1), {.points_to_evaluate = std::vector<Config>{}});
  EXPECT_NE((*s.suggest(0))["x"].get<double>(), 0.5);
}

TEST(RandomSearcher, PartialPointsAreImputedAndDeduplicated) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("c", choice({"a", "b"}));
  RandomSearcher s(cs, Rng(1),
                   {.points_to_evaluate = std::vector<Config>{Json{{"x", 0.25}}, Json{{"c", "b"}},
                                                              Json{{"x", 0.25}, {"c", "a"}}}});
  EXPECT_EQ(*s.suggest(0), (Json{{"x", 0.25}, {"c", "a"}}));
  EXPECT_EQ(*s.suggest(1), (Json{{"x", 0.5}, {"c", "b"}}));
  const auto third = *s.suggest(2);  // the duplicate was dropped: now random
  EXPECT_NE(third["x"].get<double>(), 0.25);
  EXPECT_THROW(RandomSearcher(cs, Rng(1), {.points_to_evaluate = std::vector<Config>{Json{{"y", 1}}}}),
               InvalidArgument);
}

TEST(RandomSearcher, NoDuplicatesThenExhausted) {
  RandomSearcher s(small_space(), Rng(7));
  std::set<std::string> seen;
  for (int i = 0; i < 6; ++i) {
    const auto c = s.suggest(i);
    ASSERT_TRUE(c) << i;
    EXPECT_EQ((*c)["epochs"], 10);
    EXPECT_TRUE(seen.insert(c->dump()).second) << c->dump();
  }
  EXPECT_FALSE(s.suggest(6));
}

TEST(RandomSearcher, AllowDuplicatesNeverExhausts) {
  RandomSearcher s(small_space(), Rng(7), {.allow_duplicates = true});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(s.suggest(i));
}

TEST(RandomSearcher, ExternallyAddedConfigsAreExcluded) {
  RandomSearcher s(small_space(), Rng(7), {.points_to_evaluate = std::vector<Config>{}});
  for (int n = 1; n <= 3; ++n)
    for (const char* a : {"relu", "tanh"})
      if (!(n == 2 && std::string(a) == "tanh")) s.on_trial_add(n, Json{{"n", n}, {"act", a}});
  EXPECT_EQ(*s.suggest(9), (Json{{"n", 2}, {"act", "tanh"}, {"epochs", 10}}));
  EXPECT_FALSE(s.suggest(10));
}

TEST(RandomSearcher, RestrictConfigurations) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("e", constant(1));
  std::vector<Config> allowed = {Json{{"x", 0.1}}, Json{{"x", 0.2}}, Json{{"x", 0.3}}};
  RandomSearcher s(cs, Rng(3), {.restrict_configurations = allowed});  // midpoint not allowed
  std::set<double> got;
  for (int i = 0; i < 3; ++i) got.insert((*s.suggest(i))["x"].get<double>());
  EXPECT_EQ(got, (std::set<double>{0.1, 0.2, 0.3}));
  EXPECT_FALSE(s.suggest(3));
}

TEST(RandomSearcher, SameSeedSameSequence) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("n", lograndint(1, 100));
  RandomSearcher a(cs, Rng(11)), b(cs, Rng(11)), c(cs, Rng(12));
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    const auto ca = a.suggest(i), cb = b.suggest(i), cc = c.suggest(i);
    EXPECT_EQ(ca, cb);
    differs |= ca != cc;
  }
  EXPECT_TRUE(differs);
}

TEST(RandomSearcher, SaveLoadContinuesIdentically) {
  for (bool restricted : {false, true}) {
    ConfigSpace cs = small_space();
    cs.add("x", finrange(0, 1, 4));
    RandomSearcherOptions opts;
    if (restricted)
      for (int n = 1; n <= 3; ++n) opts.restrict_configurations.push_back(Json{{"n", n}, {"act", "relu"}, {"x", 0.0}});
    RandomSearcher a(cs, Rng(5), opts);
    for (int i = 0; i < 2; ++i) a.suggest(i);
    const Json state = Json::parse(a.save_state().dump());
    RandomSearcher b(cs, Rng(999), opts);
    b.load_state(state);
    for (int i = 2; i < 30; ++i) ASSERT_EQ(a.suggest(i), b.suggest(i)) << i;
  }
}

}  // namespace
}  // namespace synetune
