#include "synetune/schedulers/synchronous_hyperband.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "schedulers/sim_driver.hpp"

namespace synetune {
namespace {

using Rungs = std::vector<std::pair<std::int64_t, std::int64_t>>;

ProblemSpec spec(std::int64_t max_t) {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = max_t;
  p.max_resource_attr = "epochs";
  return p;
}

TEST(SyncHyperband, BracketSizesGeometric) {
  const auto b = geometric_bracket_rungs(1, 81, 3, std::nullopt);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0], (Rungs{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}}));
  EXPECT_EQ(b[1], (Rungs{{34, 3}, {12, 9}, {4, 27}, {2, 81}}));
  EXPECT_EQ(b[4], (Rungs{{5, 81}}));
  EXPECT_EQ(geometric_bracket_rungs(1, 81, 3, 1).size(), 1u);  // successive halving
}

TEST(SyncSuccessiveHalving, PromotesTopKOfCompleteRung) {
  SynchronousHyperbandOptions o;
  o.brackets = 1;
  SynchronousHyperbandScheduler s(spec(9), o, testing::test_searcher(3));
  // Bracket: 9@1, 3@3, 1@9. Fill rung 0 with 9 trials.
  std::map<TrialId, double> loss;
  for (TrialId id = 0; id < 9; ++id) {
    auto sug = s.suggest(id);
    ASSERT_TRUE(sug);
    auto& st = std::get<StartTrial>(*sug);
    EXPECT_EQ(st.config.at("epochs"), 1);
    Trial t{id, st.config, TrialStatus::kInProgress, 0};
    s.on_trial_add(t);
  }
  // Rung 0 is fully pending: the next job opens a second bracket (new trial).
  auto extra = s.suggest(9);
  ASSERT_TRUE(extra && std::holds_alternative<StartTrial>(*extra));
  const double vals[] = {5, 3, 8, 1, 9, 2, 7, 4, 6};
  for (TrialId id = 0; id < 9; ++id) {
    Result r;
    r.set("loss", vals[id]);
    r.set("epoch", 1);
    EXPECT_EQ(s.on_trial_result(Trial{id, {}, TrialStatus::kInProgress, 0}, r), Decision::kPause);
  }
  // Top 3 (ids 3, 5, 1) resumed to level 3, best first.
  std::vector<TrialId> resumed;
  for (int i = 0; i < 3; ++i) {
    auto sug = s.suggest(100 + i);
    ASSERT_TRUE(sug && std::holds_alternative<ResumeTrial>(*sug));
    const auto& rs = std::get<ResumeTrial>(*sug);
    EXPECT_EQ(rs.new_config->at("epochs"), 3);
    resumed.push_back(rs.trial_id);
  }
  EXPECT_EQ(resumed, (std::vector<TrialId>{3, 5, 1}));
  // Restarted from scratch: below the milestone is CONTINUE, at it PAUSE; at r_max STOP.
  Result r;
  r.set("loss", 0.5);
  r.set("epoch", 1);
  EXPECT_EQ(s.on_trial_result(Trial{3, {}, TrialStatus::kInProgress, 0}, r), Decision::kContinue);
  s.on_trial_error(Trial{5, {}, TrialStatus::kFailed, 0});  // failed -> NaN, ranked last
  r.set("epoch", 3);
  EXPECT_EQ(s.on_trial_result(Trial{3, {}, TrialStatus::kInProgress, 0}, r), Decision::kPause);
  r.set("loss", 2.0);
  EXPECT_EQ(s.on_trial_result(Trial{1, {}, TrialStatus::kInProgress, 0}, r), Decision::kPause);
  auto top = s.suggest(200);
  ASSERT_TRUE(top && std::holds_alternative<ResumeTrial>(*top));
  EXPECT_EQ(std::get<ResumeTrial>(*top).trial_id, 3);
  r.set("epoch", 9);
  EXPECT_EQ(s.on_trial_result(Trial{3, {}, TrialStatus::kInProgress, 0}, r), Decision::kStop);
}

TEST(SyncHyperband, SimulationInvariantsSeedAndSaveLoad) {
  auto make = [](std::uint64_t seed) {
    return std::make_unique<SynchronousHyperbandScheduler>(spec(27), SynchronousHyperbandOptions{},
                                                           testing::test_searcher(seed));
  };
  auto a = make(1), b = make(1);
  testing::SimDriver da(*a, 4, 6, false, 0.01), db(*b, 4, 6, false, 0.01);
  da.run(3000, 27);
  db.run(1000, 27);
  auto c = make(77);
  c->load_state(Json::parse(b->save_state().dump()));
  db.rebind(*c);
  db.run(2000, 27);
  EXPECT_EQ(da.trace(), db.trace());
  EXPECT_TRUE(da.violations.empty()) << da.violations.front();
  for (auto& [id, t] : da.trials()) EXPECT_LE(t.terminal_events, 1);
  for (const auto& d : da.decisions())
    if (d.d == Decision::kPause) { EXPECT_TRUE(d.resource == 1 || d.resource == 3 || d.resource == 9); }
  EXPECT_EQ(a->metadata().at("scheduler_name"), "SynchronousGeometricHyperbandScheduler");
}

}  // namespace
}  // namespace synetune
