#include "synetune/searchers/multi_fidelity_gp_searcher.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "multi_fidelity_gp_searcher_model.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {

ConfigSpace space() {
  ConfigSpace s;
  s.add("x", uniform(0.0, 1.0));
  s.add("n", randint(1, 10));
  return s;
}

ProblemSpec problem() {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = 27;
  return p;
}

MultiFidelityGPOptions options(bool hypertune = false) {
  MultiFidelityGPOptions o;
  o.hypertune = hypertune;
  o.opt_nstarts = 1;
  o.opt_maxiter = 20;
  o.num_init_candidates = 100;
  return o;
}

/// Learning curve with its optimum at x = 0.2, improving with the resource.
double objective(const Config& c, std::int64_t r) {
  const double x = c.at("x").get<double>();
  return (x - 0.2) * (x - 0.2) + 0.5 / static_cast<double>(r) + 0.005 * c.at("n").get<double>();
}

Result result(TrialId id, const Config& c, std::int64_t r) {
  Result res;
  res.trial_id = id;
  res.set("epoch", static_cast<double>(r));
  res.set("loss", objective(c, r));
  return res;
}

/// Ask/tell without a scheduler: each trial reports at the rung levels 1, 3, 9 and 27 and is
/// dropped at a level where it is worse than the median so far (successive-halving-like).
/// The last trial stays pending (added, no result).
struct Driver {
  explicit Driver(MultiFidelityGPSearcher& searcher) : s(searcher) {}
  MultiFidelityGPSearcher& s;
  std::map<std::int64_t, std::vector<double>> rungs;
  std::vector<Config> suggested;
  std::vector<std::string> kinds;

  bool step(TrialId id) {
    auto c = s.suggest(id);
    if (!c) return false;
    suggested.push_back(*c);
    kinds.push_back(s.last_suggestion_kind());
    s.on_trial_add(id, *c);
    for (std::int64_t r : {1, 3, 9, 27}) {
      const Result res = result(id, *c, r);
      s.on_trial_result(id, *c, res);
      auto& v = rungs[r];
      v.push_back(res.get("loss"));
      std::vector<double> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      if (res.get("loss") > sorted[sorted.size() / 2]) break;
    }
    return true;
  }
  void run(TrialId from, TrialId to) {
    for (TrialId id = from; id < to; ++id) ASSERT_TRUE(step(id));
  }
};

TEST(MultiFidelityGPSearcher, RandomPhaseThenModelBasedNoDuplicates) {
  MultiFidelityGPSearcher s(space(), problem(), Rng(3), options());
  s.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
  Driver d(s);
  d.run(0, 20);
  EXPECT_EQ(d.kinds[0], "initial");  // midpoint first
  for (int i = 1; i < 6; ++i) EXPECT_EQ(d.kinds[static_cast<std::size_t>(i)], "random") << i;
  for (std::size_t i = 6; i < d.kinds.size(); ++i) EXPECT_EQ(d.kinds[i], "model") << i;
  std::set<std::string> keys;
  for (const auto& c : d.suggested) EXPECT_TRUE(keys.insert(space().match_string(c)).second) << c.dump();
  // The model concentrates near the optimum x = 0.2: random search puts 30% of its
  // suggestions within 0.15 of it.
  int near = 0;
  for (std::size_t i = 10; i < d.suggested.size(); ++i) near += std::abs(d.suggested[i].at("x").get<double>() - 0.2) < 0.15;
  EXPECT_GE(near, 6) << "of 10";
  EXPECT_GT(s.last_acquisition_resource(), 1);  // bohb rule: enough data above the first rung
}

TEST(MultiFidelityGPSearcher, StateRoundTripGivesSameNextSuggestion) {
  for (int variant = 0; variant < 3; ++variant) {
    const bool ht = variant == 1;
    auto o = options(ht);
    if (variant == 2) {  // hyperparameters reused at every other suggestion
      o.opt_skip_init_length = 0;
      o.opt_skip_period = 2;
    }
    MultiFidelityGPSearcher a(space(), problem(), Rng(5), o);
    a.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
    Driver d(a);
    d.run(0, 12);
    a.on_trial_add(100, space().midpoint());  // pending evaluation: fantasized
    const Json state = a.save_state();
    MultiFidelityGPSearcher b(space(), problem(), Rng(999), o);
    b.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
    b.load_state(state);
    EXPECT_EQ(b.save_state(), state);
    for (TrialId id : {12, 13}) {  // two suggestions: one refit, one reuse in variant 2
      const auto ca = a.suggest(id), cb = b.suggest(id);
      ASSERT_TRUE(ca && cb);
      EXPECT_EQ(*ca, *cb) << variant;
      EXPECT_EQ(a.save_state(), b.save_state()) << variant;
    }
  }
}

TEST(MultiFidelityGPSearcher, RestrictedConfigurationsOnlyAndExhaustion) {
  auto o = options();
  Rng rng(1);
  std::vector<Config> list;
  for (int i = 0; i < 15; ++i) list.push_back(space().sample(rng));
  o.restrict_configurations = list;
  std::set<std::string> allowed;
  for (const auto& c : list) allowed.insert(space().match_string(space().postprocess(c)));
  MultiFidelityGPSearcher s(space(), problem(), Rng(2), o);
  s.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
  Driver d(s);
  TrialId id = 0;
  while (d.step(id)) ++id;
  EXPECT_EQ(d.suggested.size(), allowed.size());  // each once, then nullopt
  std::set<std::string> seen;
  for (const auto& c : d.suggested) {
    EXPECT_TRUE(allowed.count(space().match_string(c))) << c.dump();
    EXPECT_TRUE(seen.insert(space().match_string(c)).second);
  }
  EXPECT_EQ(d.kinds.back(), "model");
}

TEST(MultiFidelityGPSearcher, HyperTuneWeightsOverSupportedLevels) {
  MultiFidelityGPSearcher s(space(), problem(), Rng(4), options(true));
  s.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
  Driver d(s);
  d.run(0, 25);
  const auto& theta = s.last_ensemble();
  ASSERT_FALSE(theta.empty());
  double sum = 0;
  for (const auto& [r, w] : theta) {
    EXPECT_GT(w, 0.0);
    EXPECT_TRUE(r == 1 || r == 3 || r == 9 || r == 27) << r;
    sum += w;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // Bracket head: theta_s / r_s over the supported levels (zeros kept), saved with the state.
  const std::vector<double> head = s.bracket_distribution_head();
  ASSERT_GE(head.size(), 2u);
  const std::vector<std::int64_t> levels{1, 3, 9, 27};
  for (std::size_t i = 0; i < head.size(); ++i) {
    double w = 0;
    for (const auto& [r, t] : theta)
      if (r == levels[i]) w = t;
    EXPECT_DOUBLE_EQ(head[i], w / static_cast<double>(levels[i])) << i;
  }
  MultiFidelityGPSearcher copy(space(), problem(), Rng(9), options(true));
  copy.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
  copy.load_state(s.save_state());
  EXPECT_EQ(copy.bracket_distribution_head(), head);
  // Without Hyper-Tune (MOBSTER) the scheduler keeps its default distribution.
  MultiFidelityGPSearcher mobster(space(), problem(), Rng(4), options(false));
  mobster.set_rung_levels({1, 3, 9});  // as HyperbandScheduler does
  Driver m(mobster);
  m.run(0, 25);
  EXPECT_TRUE(mobster.bracket_distribution_head().empty());
}

TEST(MultiFidelityGPSearcherModel, RankingLossesAndWeights) {
  Eigen::VectorXd t(3);
  t << 1, 2, 3;
  Eigen::MatrixXd F(3, 2);
  F << 1, 3,  //
      2, 2,   //
      3, 1;
  const Eigen::VectorXd loss = detail::ranking_losses(F, t);
  EXPECT_DOUBLE_EQ(loss(0), 0.0);
  EXPECT_DOUBLE_EQ(loss(1), 1.0);
  Eigen::MatrixXd losses(2, 4);
  losses << 0.1, 0.1, 0.5, 0.2,  //
      0.3, 0.3, 0.3, 0.2;
  const auto w = detail::ensemble_weights(losses);
  EXPECT_DOUBLE_EQ(w[0], 2.5 / 4);  // two wins, one tie
  EXPECT_DOUBLE_EQ(w[1], 1.5 / 4);
  losses.row(0) << 0.1, 0.9, 0.9, 0.9;  // one win, but its median is far above the top's q90
  EXPECT_EQ(detail::ensemble_weights(losses), (std::vector<double>{0.0, 1.0}));
}

TEST(MultiFidelityGPSearcher, BadOptionsThrow) {
  auto p = problem();
  p.max_t = 0;
  EXPECT_THROW(MultiFidelityGPSearcher(space(), p, Rng(1), options()), InvalidArgument);
  p.max_t.reset();
  EXPECT_THROW(MultiFidelityGPSearcher(space(), p, Rng(1), options()), InvalidArgument);
  MultiFidelityGPSearcher s(space(), problem(), Rng(1), options());
  EXPECT_THROW(s.set_rung_levels({3, 1}), InvalidArgument);
  EXPECT_THROW(s.set_rung_levels({1, 27}), InvalidArgument);
  EXPECT_THROW(MultiFidelityGPOptions::from_json(Json{{"num_init_random", "six"}}), InvalidArgument);
}

}  // namespace
}  // namespace synetune
