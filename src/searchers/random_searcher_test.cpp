#include "synetune/searchers/random_searcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
    std::vector<Config> list;
    if (restricted)
      for (int n = 1; n <= 3; ++n) list.push_back(Json{{"n", n}, {"act", "relu"}, {"x", 0.0}});
    opts.restrict_configurations = list;
    RandomSearcher a(cs, Rng(5), opts);
    for (int i = 0; i < 2; ++i) a.suggest(i);
    const Json state = Json::parse(a.save_state().dump());
    RandomSearcher b(cs, Rng(999), opts);
    b.load_state(state);
    for (int i = 2; i < 30; ++i) ASSERT_EQ(a.suggest(i), b.suggest(i)) << i;
  }
}

TEST(RandomSearcher, RestrictedDuplicatesAndAddedConfigsAreSuggestedOnce) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("e", constant(1));
  // 0.1 twice (second only differs below match-string precision), 0.2 started by someone else.
  std::vector<Config> allowed = {Json{{"x", 0.1}}, Json{{"x", 0.2}}, Json{{"x", 0.1 + 1e-12}}, Json{{"x", 0.3}}};
  RandomSearcher s(cs, Rng(3), {.restrict_configurations = allowed});
  s.on_trial_add(100, Json{{"x", 0.2}, {"e", 1}});
  std::vector<double> got;
  for (int i = 0; i < 4; ++i)
    if (const auto c = s.suggest(i)) got.push_back(std::round((*c)["x"].get<double>() * 10));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<double>{1, 3}));
}

TEST(RandomSearcher, InitialConfigInListIsNotDrawnAgain) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1));
  std::vector<Config> allowed;
  for (int i = 0; i <= 10; ++i) allowed.push_back(Json{{"x", i / 10.0}});  // 0.5 = midpoint
  RandomSearcher s(cs, Rng(4), {.restrict_configurations = allowed});
  EXPECT_EQ((*s.suggest(0))["x"].get<double>(), 0.5);
  std::set<double> seen{0.5};
  for (int i = 1; i <= 10; ++i) EXPECT_TRUE(seen.insert((*s.suggest(i))["x"].get<double>()).second);
  EXPECT_FALSE(s.suggest(11));
}

// The restricted state used to list the match strings of all excluded configs under
// "excluded" (checkpoint format 2); such a state must resume as the current one does.
TEST(RandomSearcher, LoadsOlderRestrictedStateWithMatchStrings) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1));
  std::vector<Config> allowed;
  for (int i = 0; i < 20; ++i) allowed.push_back(Json{{"x", i / 20.0}});
  RandomSearcher a(cs, Rng(8), {.points_to_evaluate = std::vector<Config>{}, .restrict_configurations = allowed});
  for (int i = 0; i < 5; ++i) a.suggest(i);
  const Config added = allowed.at(a.save_state()["remaining"][0].get<std::size_t>());  // not drawn
  a.on_trial_add(50, added);
  Json state = a.save_state();
  EXPECT_EQ(state["excluded_index"].size(), 1u);
  ASSERT_TRUE(state.contains("excluded_index"));
  // Rebuild the older form: match strings of every used entry.
  std::set<std::size_t> remaining(state["remaining"].begin(), state["remaining"].end());
  Json excluded = Json::array();
  for (std::size_t i = 0; i < allowed.size(); ++i)
    if (!remaining.count(i)) excluded.push_back(cs.match_string(allowed[i]));
  excluded.push_back(cs.match_string(added));
  excluded.push_back(cs.match_string(Json{{"x", 0.123}}));  // not in the list: ignored
  Json old = state;
  old.erase("excluded_index");
  old["excluded"] = excluded;
  RandomSearcher b(cs, Rng(1), {.points_to_evaluate = std::vector<Config>{}, .restrict_configurations = allowed});
  b.load_state(old);
  int n = 0;
  for (int i = 5; i < 30; ++i) {
    const auto ca = a.suggest(i), cb = b.suggest(i);
    ASSERT_EQ(ca, cb) << i;
    if (ca) {
      ++n;
      EXPECT_NE(*ca, added);
    }
  }
  EXPECT_EQ(n, 14);  // 20 - 5 drawn - 1 added
}

TEST(RandomSearcher, InvalidRestrictedConfigNamesItsIndex) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1));
  try {
    RandomSearcher s(cs, Rng(1), {.restrict_configurations = std::vector<Config>{Json{{"x", 0.1}}, Json{{"y", 0.2}}}});
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("restrict_configurations[1]"), std::string::npos) << e.what();
  }
}

// Entries are grouped by a hash of their printed values (no match strings built); values
// that need a cast (bool, just outside the range, an int domain given 2.0 or 2.4, a grid
// value between grid points) take the exact path. Either way equal match strings are one
// config: each group is suggested once, also when given in another form by someone else.
TEST(RandomSearcher, RestrictedGroupsByMatchStringWhateverTheValueForm) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("n", randint(1, 5)).add("act", choice({"relu", "tanh"})).add("f", finrange(0, 1, 5));
  const std::vector<Config> list = {
      Json{{"x", 0.5}, {"n", 2}, {"act", "relu"}, {"f", 0.25}},
      Json{{"x", 0.5 + 1e-12}, {"n", 2.0}, {"act", "relu"}, {"f", 0.25}},  // same as [0]
      Json{{"x", 1.0 + 1e-10}, {"n", 3}, {"act", "tanh"}, {"f", 0.5}},
      Json{{"x", 1.0}, {"n", 3}, {"act", "tanh"}, {"f", 0.5}},             // same as [2]
      Json{{"x", true}, {"n", 3}, {"act", "tanh"}, {"f", 0.5}},            // same as [2]
      Json{{"x", 0.25}, {"n", 2.4}, {"act", "relu"}, {"f", 0.26}},
      Json{{"x", 0.25}, {"n", 2}, {"act", "relu"}, {"f", 0.25}},           // same as [5]
      Json{{"x", 0.75}, {"n", 5}, {"act", "tanh"}, {"f", 1}},
  };
  std::set<std::string> groups;
  for (const auto& c : list) groups.insert(cs.match_string(c));
  ASSERT_EQ(groups.size(), 4u);
  RandomSearcher s(cs, Rng(2), {.points_to_evaluate = std::vector<Config>{}, .restrict_configurations = list});
  s.on_trial_add(100, Json{{"x", 0.75}, {"n", 5.0}, {"act", "tanh"}, {"f", 0.99}});  // = [7]
  std::set<std::string> got;
  for (int i = 0; i < 8; ++i)
    if (const auto c = s.suggest(i)) {
      EXPECT_TRUE(got.insert(cs.match_string(*c)).second) << c->dump();
    }
  EXPECT_EQ(got.size(), 3u);
  EXPECT_FALSE(got.count(cs.match_string(list[7])));
  // An initial config in another form maps to its group: suggested first, not drawn again.
  RandomSearcher t(cs, Rng(2), {.points_to_evaluate = std::vector<Config>{Json{{"x", true}, {"n", 3}, {"act", "tanh"}, {"f", 0.5}}},
                                .restrict_configurations = list});
  EXPECT_EQ(cs.match_string(*t.suggest(0)), cs.match_string(list[3]));
  std::set<std::string> rest;
  for (int i = 1; i < 8; ++i)
    if (const auto c = t.suggest(i)) {
      EXPECT_TRUE(rest.insert(cs.match_string(*c)).second) << c->dump();
    }
  EXPECT_EQ(rest.size(), 3u);
  EXPECT_FALSE(rest.count(cs.match_string(list[3])));
}

// Floats are grouped by their "%.6e" digits computed in floating point (printed only near a
// rounding tie): values a hair apart, on both sides of ties, of both signs and many
// magnitudes must group exactly as their match strings do.
TEST(RandomSearcher, RestrictedFloatGroupsMatchTheirMatchStrings) {
  ConfigSpace cs;
  cs.add("x", uniform(-1e6, 1e6));
  Rng rng(11);
  std::vector<Config> list;
  for (int i = 0; i < 600; ++i) {
    const int exponent = static_cast<int>(rng.index(18)) - 9;
    const double digits = 1e6 + static_cast<double>(rng.index(9000000));
    const double sign = rng.index(2) == 0 ? 1.0 : -1.0;
    const double tie = sign * (digits + 0.5) * std::pow(10.0, exponent - 6);
    if (std::abs(tie) > 1e6) continue;
    for (const double v : {tie, std::nextafter(tie, 0.0), std::nextafter(tie, 2 * tie), tie * (1 + 1e-12), tie * (1 - 1e-12),
                           sign * digits * std::pow(10.0, exponent - 6)})
      list.push_back(Json{{"x", v}});
  }
  list.push_back(Json{{"x", 0.0}});
  list.push_back(Json{{"x", -0.0}});
  std::set<std::string> groups;
  for (const auto& c : list) groups.insert(cs.match_string(c));
  ASSERT_LT(groups.size(), list.size() * 2 / 3);  // many duplicates
  RandomSearcher s(cs, Rng(1), {.points_to_evaluate = std::vector<Config>{}, .restrict_configurations = list});
  std::set<std::string> got;
  for (TrialId i = 0; const auto c = s.suggest(i); ++i) ASSERT_TRUE(got.insert(cs.match_string(*c)).second) << c->dump();
  EXPECT_EQ(got, groups);
}

// A list declared canonical for the searcher's space is copied, not cast: same draws. For
// another space it is cast as any list.
TEST(RandomSearcher, CanonicalListIsCopiedOnlyForItsOwnSpace) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("n", randint(1, 5));
  std::vector<Config> rows;
  Rng r(5);
  for (int i = 0; i < 50; ++i) rows.push_back(cs.postprocess(cs.sample(r)));
  ConfigList plain(rows), marked(rows);
  marked.mark_canonical_for(cs);
  ASSERT_TRUE(marked.canonical_for(cs));
  EXPECT_FALSE(plain.canonical_for(cs));
  const auto none = std::vector<Config>{};
  RandomSearcher a(cs, Rng(9), {.points_to_evaluate = none, .restrict_configurations = plain});
  RandomSearcher b(cs, Rng(9), {.points_to_evaluate = none, .restrict_configurations = marked});
  for (int i = 0; i < 50; ++i) {
    const auto ca = a.suggest(i), cb = b.suggest(i);
    ASSERT_TRUE(ca && cb);
    EXPECT_TRUE(identical_json(*ca, *cb)) << ca->dump() << " vs " << cb->dump();
  }
  ConfigSpace other = cs;
  other.add("e", constant(3));
  EXPECT_FALSE(marked.canonical_for(other));
  RandomSearcher c(other, Rng(9), {.points_to_evaluate = none, .restrict_configurations = marked});
  EXPECT_EQ((*c.suggest(0))["e"], 3);
}

}  // namespace
}  // namespace synetune
