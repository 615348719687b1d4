#include "synetune/schedulers/rung_system.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "synetune/core/error.hpp"
#include "synetune/core/rng.hpp"

namespace synetune {
namespace {

// numpy.quantile(values, q), brute force on a sorted copy.
double brute_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double idx = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(idx));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (idx - std::floor(idx));
}

TEST(RungLevels, GeometricExampleAndQuantiles) {
  EXPECT_EQ(make_rung_levels(1, 3, 100), (std::vector<std::int64_t>{1, 3, 9, 27, 81}));
  EXPECT_EQ(make_rung_levels(1, 3, 81), (std::vector<std::int64_t>{1, 3, 9, 27}));
  RungSystem rs(make_rung_levels(1, 3, 100), 100, false);
  EXPECT_NEAR(rs.promotion_quantile(0), 1.0 / 3, 1e-12);
  EXPECT_NEAR(rs.promotion_quantile(4), 0.81, 1e-12);  // 0.13: last is r_J / max_t
  EXPECT_EQ(rs.next_level(4), 100);
}

TEST(RungLevels, PropertyGraceTimesEtaPowerBelowMaxT) {
  Rng rng(7);
  for (int it = 0; it < 500; ++it) {
    const auto grace = rng.randint(1, 10);
    const double eta = static_cast<double>(rng.randint(2, 5));
    const auto max_t = rng.randint(1, 2000);
    const auto levels = make_rung_levels(grace, eta, max_t);
    for (std::size_t k = 0; k < levels.size(); ++k) {
      const double exact = static_cast<double>(grace) * std::pow(eta, static_cast<double>(k));
      EXPECT_LE(exact, static_cast<double>(max_t));
      EXPECT_LT(levels[k], max_t);
      EXPECT_EQ(levels[k], static_cast<std::int64_t>(std::nearbyint(exact)));
    }
    // No further level fits below max_t.
    const double next = static_cast<double>(grace) * std::pow(eta, static_cast<double>(levels.size()));
    EXPECT_GE(next, static_cast<double>(max_t)) << "grace " << grace << " eta " << eta << " max_t " << max_t;
  }
}

TEST(RungLevels, ExplicitLevelsValidatedAndMaxTStripped) {
  EXPECT_EQ(make_rung_levels(1, 3, 10, {2, 5, 10}), (std::vector<std::int64_t>{2, 5}));
  EXPECT_THROW(make_rung_levels(1, 3, 10, {5, 2}), InvalidArgument);
  EXPECT_THROW(make_rung_levels(1, 3, 10, {20}), InvalidArgument);
  EXPECT_THROW(make_rung_levels(0, 3, 10), InvalidArgument);
  EXPECT_THROW(make_rung_levels(1, 1.5, 10), InvalidArgument);
}

TEST(OrderStatistics, MatchesBruteForceQuantileAndRank) {
  Rng rng(3);
  OrderStatistics os;
  std::vector<double> all;
  for (int i = 0; i < 3000; ++i) {
    const double v = i % 7 == 0 ? std::floor(rng.uniform() * 10) : rng.normal();  // with ties
    os.insert(v);
    all.push_back(v);
    if (i % 97 == 0 || i < 5) {
      for (double q : {0.0, 1.0 / 3, 0.5, 0.81, 1.0})
        ASSERT_NEAR(os.quantile(q), brute_quantile(all, q), 1e-12) << i << " q " << q;
      const double probe = rng.normal();
      const auto less = static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](double x) { return x < probe; }));
      ASSERT_EQ(os.count_less(probe), less);
    }
  }
  auto sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(os.sorted_values(), sorted);
  EXPECT_EQ(os.kth(1234), sorted[1234]);
}

TEST(RungSystem, CutoffNeedsTwoEntriesAndPromotionBookkeeping) {
  RungSystem rs({1, 3}, 9, true);
  rs.record(0, 10, 5.0);
  EXPECT_FALSE(rs.cutoff(0));
  rs.record(0, 11, 1.0);
  rs.record(0, 12, 3.0);
  EXPECT_NEAR(*rs.cutoff(0), brute_quantile({5, 1, 3}, 1.0 / 3), 1e-12);
  ASSERT_NE(rs.best_unpromoted(0), nullptr);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 11);
  rs.mark_promoted(0, 11);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 12);
  rs.make_ineligible(12);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 10);
  RungSystem copy({1, 3}, 9, true);
  copy.load_state(rs.save_state());
  EXPECT_EQ(copy.save_state(), rs.save_state());
  EXPECT_EQ(copy.best_unpromoted(0)->trial_id, 10);
}

TEST(BracketDistribution, DefaultHyperband) {
  // rungs 1,3,9,27 with max_t 81: S = 5, p_s ~ 5 / ((5 - s) R_s).
  const auto p = default_bracket_distribution({1, 3, 9, 27}, 81, 5);
  const std::vector<double> w{1.0, 5.0 / 12, 5.0 / 27, 5.0 / 54, 5.0 / 81};
  double total = 0;
  for (double x : w) total += x;
  ASSERT_EQ(p.size(), 5u);
  for (std::size_t s = 0; s < 5; ++s) EXPECT_NEAR(p[s], w[s] / total, 1e-12);
}

}  // namespace
}  // namespace synetune
