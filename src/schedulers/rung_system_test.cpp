#include "synetune/schedulers/rung_system.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "synetune/core/error.hpp"
#include "synetune/core/rng.hpp"

namespace synetune {
namespace {

// Syne Tune 0.13's Rung.quantile (hyperband_stopping.py), transcribed on the raw metric values
// (not sign-adjusted), sorted best first as its SortedList keeps them.
double st_rung_quantile(std::vector<double> raw, double prom_quant, Mode mode) {
  const bool is_min = mode == Mode::kMin;
  std::sort(raw.begin(), raw.end(), [&](double a, double b) { return is_min ? a < b : a > b; });
  const std::size_t n = raw.size();
  const double q = is_min ? prom_quant : 1 - prom_quant;
  const double virt_index = static_cast<double>(n - 1) * q + 1;
  const auto index = static_cast<std::size_t>(virt_index);
  const double frac_part = virt_index - static_cast<double>(index);
  const std::size_t left_pos = is_min ? index - 1 : n - index - 1;
  const double g = is_min ? frac_part : 1 - frac_part;
  return g * raw[left_pos + 1] + (1 - g) * raw[left_pos];
}

// Our cutoffs hold sign-adjusted values: min mode as is, max mode negated.
double sign(Mode mode) { return mode == Mode::kMin ? 1.0 : -1.0; }

TEST(RungLevels, GeometricExampleAndQuantiles) {
  EXPECT_EQ(make_rung_levels(1, 3, 100), (std::vector<std::int64_t>{1, 3, 9, 27, 81}));
  EXPECT_EQ(make_rung_levels(1, 3, 81), (std::vector<std::int64_t>{1, 3, 9, 27}));
  RungSystem rs(make_rung_levels(1, 3, 100), 100, false, Mode::kMin);
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

TEST(OrderStatistics, CutoffEqualsSyneTunesBitForBitAndRankMatchesBruteForce) {
  Rng rng(3);
  OrderStatistics os;
  std::vector<double> all;  // sign-adjusted, as stored
  for (int i = 0; i < 3000; ++i) {
    // With ties: every 7th value from a handful of round numbers.
    const double v = i % 7 == 0 ? std::floor(rng.uniform() * 10) / 7 : rng.normal();
    os.insert(v);
    all.push_back(v);
    if (i >= 1 && (i % 97 == 0 || i < 5)) {  // a cutoff needs two values
      for (Mode mode : {Mode::kMin, Mode::kMax})
        for (double q : {1.0 / 3, 0.5, 0.81, 81.0 / 200, 1e-3, 1 - 1e-3}) {
          std::vector<double> raw;
          for (double x : all) raw.push_back(sign(mode) * x);
          const double want = sign(mode) * st_rung_quantile(raw, q, mode);
          ASSERT_EQ(os.rung_cutoff(q, mode), want) << i << " q " << q << " mode " << to_string(mode);
          auto sorted = all;
          std::sort(sorted.begin(), sorted.end());
          ASSERT_EQ(rung_cutoff_sorted(sorted, q, mode), want);
        }
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

TEST(RungCutoff, TiedValuesCanCutOneUlpBelowAsInSyneTune) {
  // Nine tied values, q = 1/3: Syne Tune's g * x + (1 - g) * x rounds below x (numpy's
  // quantile is x), so a trial reporting x is stopped there; min and max mode alike.
  const double x = 0.029041;
  RungSystem min_rs({1, 3}, 9, false, Mode::kMin), max_rs({1, 3}, 9, false, Mode::kMax);
  for (TrialId id = 0; id < 9; ++id) {
    min_rs.record(0, id, x);
    max_rs.record(0, id, -x);
  }
  EXPECT_EQ(*min_rs.cutoff(0), std::nextafter(x, 0.0));
  EXPECT_EQ(*min_rs.cutoff(0), st_rung_quantile(std::vector<double>(9, x), 1.0 / 3, Mode::kMin));
  EXPECT_EQ(*max_rs.cutoff(0), -st_rung_quantile(std::vector<double>(9, x), 1.0 / 3, Mode::kMax));
  // Edges: q = 0 and 1 give the ends; one value is its own cutoff; an infinite neighbour
  // with weight 0 does not make the cutoff NaN.
  const std::vector<double> v{1.0, 2.0, INFINITY};
  EXPECT_EQ(rung_cutoff_sorted(v, 0.0, Mode::kMin), 1.0);
  EXPECT_EQ(rung_cutoff_sorted(v, 1.0, Mode::kMax), INFINITY);
  EXPECT_EQ(rung_cutoff_sorted(v, 0.5, Mode::kMin), 2.0);
  EXPECT_EQ(rung_cutoff_sorted({4.0}, 0.3, Mode::kMax), 4.0);
}

TEST(RungSystem, CutoffNeedsTwoEntriesAndPromotionBookkeeping) {
  RungSystem rs({1, 3}, 9, true, Mode::kMin);
  rs.record(0, 10, 5.0);
  EXPECT_FALSE(rs.cutoff(0));
  rs.record(0, 11, 1.0);
  rs.record(0, 12, 3.0);
  EXPECT_EQ(*rs.cutoff(0), st_rung_quantile({5, 1, 3}, 1.0 / 3, Mode::kMin));
  ASSERT_NE(rs.best_unpromoted(0), nullptr);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 11);
  rs.mark_promoted(0, 11);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 12);
  rs.make_ineligible(12);
  EXPECT_EQ(rs.best_unpromoted(0)->trial_id, 10);
  RungSystem copy({1, 3}, 9, true, Mode::kMin);
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
