#include "synetune/searchers/grid_searcher.hpp"

#include <gtest/gtest.h>

#include <set>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

ConfigSpace grid_space() {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("n", randint(1, 3)).add("c", choice({"a", "b"})).add(
      "e", constant(7));
  return cs;
}

TEST(GridSearcher, SyneTuneGridValues) {
  ConfigSpace cs = grid_space();
  cs.add("big", randint(0, 100)).add("lr", loguniform(1e-4, 1e-2)).add("f", finrange(0, 1, 3));
  GridSearcher g(cs, Rng(1), {.num_samples = {{"lr", 2}}});
  const auto& v = g.grid_values();
  ASSERT_EQ(v[0].size(), 5u);
  EXPECT_DOUBLE_EQ(v[0][0].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(v[0][4].get<double>(), 0.9);
  EXPECT_EQ(v[1], (std::vector<Json>{1, 2, 3}));       // min(5, range)
  EXPECT_EQ(v[2], (std::vector<Json>{"a", "b"}));
  EXPECT_EQ(v[3], (std::vector<Json>{7}));
  EXPECT_EQ(v[4], (std::vector<Json>{10, 30, 50, 70, 90}));  // (i+0.5)/5 of [-0.5, 100.5]
  ASSERT_EQ(v[5].size(), 2u);
  EXPECT_NEAR(v[5][0].get<double>(), std::pow(10.0, -3.5), 1e-12);  // geometric quarter points
  EXPECT_EQ(v[6], (std::vector<Json>{0.0, 0.5, 1.0}));
  EXPECT_EQ(g.grid_size(), 5u * 3 * 2 * 5 * 2 * 3);
}

TEST(GridSearcher, VisitsEachPointOnceThenExhausts) {
  GridSearcher g(grid_space(), Rng(3));
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    const auto c = g.suggest(i);
    ASSERT_TRUE(c);
    EXPECT_EQ((*c)["e"], 7);
    EXPECT_TRUE(seen.insert(c->dump()).second);
  }
  EXPECT_FALSE(g.suggest(30));
}

TEST(GridSearcher, NoMidpointByDefaultAndNoDuplicateOfPointsToEvaluate) {
  // Issue #560: the midpoint (0.5, 2, a) is itself a grid point; it must appear once.
  GridSearcher g(grid_space(), Rng(3),
                 {.points_to_evaluate = std::vector<Config>{Json::object()}});
  EXPECT_EQ(*g.suggest(0), (Json{{"x", 0.5}, {"n", 2}, {"c", "a"}, {"e", 7}}));
  int count = 1;
  while (auto c = g.suggest(count)) ++count;
  EXPECT_EQ(count, 30);
  GridSearcher plain(grid_space(), Rng(3));
  int n = 0;
  while (plain.suggest(n)) ++n;
  EXPECT_EQ(n, 30);
}

TEST(GridSearcher, ShuffleDependsOnSeedOnly) {
  GridSearcher a(grid_space(), Rng(1)), b(grid_space(), Rng(1)), c(grid_space(), Rng(2));
  GridSearcher ordered(grid_space(), Rng(1), {.shuffle = false});
  std::vector<Json> sa, sc;
  for (int i = 0; i < 30; ++i) {
    sa.push_back(*a.suggest(i));
    EXPECT_EQ(sa.back(), *b.suggest(i));
    sc.push_back(*c.suggest(i));
  }
  EXPECT_NE(sa, sc);
  EXPECT_EQ(*ordered.suggest(0), (Json{{"x", 0.1}, {"n", 1}, {"c", "a"}, {"e", 7}}));
  EXPECT_EQ(*ordered.suggest(1), (Json{{"x", 0.1}, {"n", 1}, {"c", "b"}, {"e", 7}}));
}

TEST(GridSearcher, AllowDuplicatesCycles) {
  GridSearcher g(grid_space(), Rng(3), {.allow_duplicates = true});
  std::vector<Json> first;
  for (int i = 0; i < 30; ++i) first.push_back(*g.suggest(i));
  for (int i = 0; i < 30; ++i) EXPECT_EQ(*g.suggest(30 + i), first[i]);
}

TEST(GridSearcher, BadNumSamples) {
  EXPECT_THROW(GridSearcher(grid_space(), Rng(1), {.num_samples = {{"zz", 3}}}), InvalidArgument);
  EXPECT_THROW(GridSearcher(grid_space(), Rng(1), {.num_samples = {{"x", 0}}}), InvalidArgument);
  ConfigSpace huge;
  for (int i = 0; i < 12; ++i) huge.add("h" + std::to_string(i), uniform(0, 1));
  EXPECT_THROW(GridSearcher(huge, Rng(1)), InvalidArgument);
}

TEST(GridSearcher, SaveLoadContinuesIdentically) {
  GridSearcher a(grid_space(), Rng(5), {.points_to_evaluate = std::vector<Config>{Json{{"x", 0.3}}}});
  for (int i = 0; i < 7; ++i) a.suggest(i);
  GridSearcher b(grid_space(), Rng(77));
  b.load_state(Json::parse(a.save_state().dump()));
  for (int i = 7; i < 40; ++i) ASSERT_EQ(a.suggest(i), b.suggest(i)) << i;
}

}  // namespace
}  // namespace synetune
