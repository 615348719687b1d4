#include "synetune/schedulers/hyperband_scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "schedulers/sim_driver.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {

using testing::SimDriver;

// Syne Tune 0.13's Rung.quantile (hyperband_stopping.py) on the raw metric values, sorted best
// first; max mode takes quantile 1 - q of them.
double st_quantile(std::vector<double> raw, double prom_quant, Mode mode) {
  const bool is_min = mode == Mode::kMin;
  std::sort(raw.begin(), raw.end(), [&](double a, double b) { return is_min ? a < b : a > b; });
  const std::size_t n = raw.size();
  const double virt_index = static_cast<double>(n - 1) * (is_min ? prom_quant : 1 - prom_quant) + 1;
  const auto index = static_cast<std::size_t>(virt_index);
  const double frac_part = virt_index - static_cast<double>(index);
  const std::size_t left_pos = is_min ? index - 1 : n - index - 1;
  const double g = is_min ? frac_part : 1 - frac_part;
  return g * raw[left_pos + 1] + (1 - g) * raw[left_pos];
}

ProblemSpec spec(Mode mode = Mode::kMin, std::string max_attr = "") {
  ProblemSpec p;
  p.metric = "loss";
  p.mode = mode;
  p.resource_attr = "epoch";
  p.max_t = 27;
  p.max_resource_attr = std::move(max_attr);
  return p;
}

std::unique_ptr<HyperbandScheduler> make(HyperbandType type, int brackets = 1, std::uint64_t seed = 5,
                                         Mode mode = Mode::kMin) {
  HyperbandOptions o;
  o.type = type;
  o.brackets = brackets;
  o.seed = seed;
  return std::make_unique<HyperbandScheduler>(spec(mode, "epochs"), o, testing::test_searcher(seed));
}

Trial trial(TrialId id) {
  Trial t;
  t.trial_id = id;
  t.config = Json{{"x", 0.5}, {"n", 1}};
  return t;
}

Result result(TrialId id, double loss, double epoch) {
  Result r;
  r.trial_id = id;
  r.set("loss", loss);
  r.set("epoch", epoch);
  return r;
}

TEST(HyperbandStopping, ContinuesOnlyInTopQuantileComparedWithBruteForce) {
  for (Mode mode : {Mode::kMin, Mode::kMax}) {
    auto s = make(HyperbandType::kStopping, 1, 1, mode);
    Rng rng(11);
    std::map<std::int64_t, std::vector<double>> seen;  // level -> raw values
    const std::vector<std::int64_t> levels{1, 3, 9};
    for (TrialId id = 0; id < 300; ++id) {
      s->on_trial_add(trial(id));
      for (std::int64_t r = 1; r <= 27; ++r) {
        const double v = rng.normal();
        const Decision d = s->on_trial_result(trial(id), result(id, v, static_cast<double>(r)));
        if (r == 27) {
          EXPECT_EQ(d, Decision::kStop);
          break;
        }
        const auto k = std::find(levels.begin(), levels.end(), r);
        if (k == levels.end()) {
          ASSERT_EQ(d, Decision::kContinue);
          continue;
        }
        auto& vals = seen[r];
        vals.push_back(v);
        const double q = static_cast<double>(r) / static_cast<double>(r == 9 ? 27 : r * 3);
        bool cont = true;
        if (vals.size() >= 2) {
          const double cut = st_quantile(vals, q, mode);  // raw values, as Syne Tune compares
          cont = mode == Mode::kMin ? v <= cut : v >= cut;
        }
        ASSERT_EQ(d == Decision::kContinue, cont) << "trial " << id << " r " << r;
        if (!cont) break;
      }
    }
    // Roughly 1/3 of trials pass each rung.
    EXPECT_NEAR(static_cast<double>(s->rungs().entries(1).size()) / 300.0, 1.0 / 3, 0.1);
  }
}

TEST(HyperbandStopping, ReachingMaxTStopsAndStartConfigGetsMaxT) {
  auto s = make(HyperbandType::kStopping);
  auto sug = s->suggest(0);
  ASSERT_TRUE(sug);
  const auto& st = std::get<StartTrial>(*sug);
  EXPECT_EQ(st.config.at("epochs"), 27);
  EXPECT_EQ(s->on_trial_result(trial(0), result(0, 1.0, 27)), Decision::kStop);
}

// A resource that is not a positive integer never reaches the scheduler: the tuner fails the
// trial of such a result (resource_need(), src/tuner/result_check.cpp). Given one anyway (a
// caller's bug), the scheduler stops the program rather than place it at a rung.
TEST(HyperbandDeathTest, AResourceThatIsNotAPositiveIntegerIsACallersBug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto s = make(HyperbandType::kStopping);
  EXPECT_EQ(s->resource_need(), ResourceNeed::kPositiveInteger);
  ASSERT_TRUE(s->suggest(0));
  EXPECT_DEATH(s->on_trial_result(trial(0), result(0, 1.0, 1.5)), "result of trial 0 has epoch = 1.5, not a positive integer");
  EXPECT_DEATH(s->on_trial_result(trial(0), result(0, 1.0, 0)), "not a positive integer");
}

TEST(HyperbandPromotion, PromotesOnlyTopOfRungAndEachTrialOncePerRung) {
  auto s = make(HyperbandType::kPromotion);
  // Snapshot rung values before each resume to check the promoted value against the quantile.
  SimDriver drv(*s, 4, 9);
  std::set<std::pair<TrialId, std::int64_t>> promoted;  // (trial, from level)
  std::size_t seen_resumes = 0;
  for (int step = 0; step < 3000; ++step) {
    // Capture rungs, then advance one report (which may trigger suggests).
    std::vector<std::vector<RungSystem::Entry>> before;
    for (std::size_t k = 0; k < s->rungs().num_rungs(); ++k) before.push_back(s->rungs().entries(k));
    drv.run(1, 27);
    for (; seen_resumes < drv.resumes.size(); ++seen_resumes) {
      const auto [id, cfg] = drv.resumes[seen_resumes];
      const auto to = cfg.at("epochs").get<std::int64_t>();
      const std::size_t k = to == 3 ? 0 : to == 9 ? 1 : 2;
      const std::int64_t from = s->rungs().level(k);
      ASSERT_TRUE(promoted.insert({id, from}).second) << "trial " << id << " promoted twice from " << from;
      std::vector<double> vals;
      double mine = NAN;
      for (const auto& e : before[k]) {
        vals.push_back(e.value);
        if (e.trial_id == id) mine = e.value;
      }
      ASSERT_GE(vals.size(), 2u);
      EXPECT_LE(mine, st_quantile(vals, s->rungs().promotion_quantile(k), Mode::kMin));
    }
  }
  EXPECT_TRUE(drv.violations.empty()) << drv.violations.front();
  EXPECT_GT(promoted.size(), 20u);
  // Pause decisions exactly at milestones.
  for (const auto& d : drv.decisions())
    if (d.d == Decision::kPause) { EXPECT_TRUE(d.resource == 1 || d.resource == 3 || d.resource == 9); }
}

TEST(HyperbandPromotion, NewTrialGetsFirstMilestoneOfItsBracket) {
  auto s = make(HyperbandType::kPromotion, 4, 3);
  std::map<int, int> counts;
  for (TrialId id = 0; id < 400; ++id) {
    auto sug = s->suggest(id);
    ASSERT_TRUE(sug);
    const auto& st = std::get<StartTrial>(*sug);
    Trial t = trial(id);
    t.config = st.config;
    s->on_trial_add(t);
    const int b = s->bracket_of(id);
    ++counts[b];
    const std::int64_t first[] = {1, 3, 9, 27};
    EXPECT_EQ(st.config.at("epochs").get<std::int64_t>(), first[b]);
  }
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[3]);
}

TEST(HyperbandPromotion, ReportsUpToResumePointAreIgnoredAfterRestart) {
  auto s = make(HyperbandType::kPromotion);
  SimDriver drv(*s, 3, 4, /*restart_from_scratch=*/true);
  drv.run(2000, 27);
  EXPECT_TRUE(drv.violations.empty());
  ASSERT_FALSE(drv.resumes.empty());
  // A restarted trial's reports up to its resume point only ever CONTINUE.
  for (const auto& d : drv.decisions())
    if (d.d == Decision::kPause) { EXPECT_TRUE(d.resource == 1 || d.resource == 3 || d.resource == 9); }
}

TEST(Hyperband, EveryTrialEndsInExactlyOneTerminalState) {
  for (auto type : {HyperbandType::kStopping, HyperbandType::kPromotion}) {
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      auto s = make(type, 3, seed);
      SimDriver drv(*s, 4, seed, false, 0.02);
      drv.run(3000, 27);
      EXPECT_TRUE(drv.violations.empty()) << drv.violations.front();
      for (auto& [id, t] : drv.trials()) {
        EXPECT_LE(t.terminal_events, 1);
        const auto st = t.trial.status;
        EXPECT_TRUE(st == TrialStatus::kStopped || st == TrialStatus::kCompleted || st == TrialStatus::kFailed ||
                    st == TrialStatus::kPaused || st == TrialStatus::kInProgress);
        if (st == TrialStatus::kStopped || st == TrialStatus::kCompleted) { EXPECT_LE(t.resource, 27); }
      }
    }
  }
}

TEST(Hyperband, SameSeedSameDecisions) {
  for (auto type : {HyperbandType::kStopping, HyperbandType::kPromotion}) {
    auto a = make(type, 3, 42), b = make(type, 3, 42), c = make(type, 3, 43);
    SimDriver da(*a, 4, 1), db(*b, 4, 1), dc(*c, 4, 1);
    da.run(1500, 27);
    db.run(1500, 27);
    dc.run(1500, 27);
    EXPECT_EQ(da.trace(), db.trace());
    EXPECT_NE(da.trace(), dc.trace());
  }
}

TEST(Hyperband, SaveLoadMidRunEqualsUninterrupted) {
  for (auto type : {HyperbandType::kStopping, HyperbandType::kPromotion}) {
    auto a = make(type, 3, 8);
    SimDriver full(*a, 4, 2, false, 0.01);
    full.run(2000, 27);

    auto b = make(type, 3, 8);
    SimDriver part(*b, 4, 2, false, 0.01);
    part.run(700, 27);
    const Json saved = Json::parse(b->save_state().dump());  // through text, as on disk
    auto c = make(type, 3, 999);  // different seed: everything must come from the state
    c->load_state(saved);
    EXPECT_EQ(c->save_state(), b->save_state());
    part.rebind(*c);
    part.run(1300, 27);
    EXPECT_EQ(part.trace(), full.trace());
  }
}

// Trial ids index a vector when dense; far-off and negative ids must work the same and
// survive a save / load.
TEST(Hyperband, SparseTrialIdsAreTrackedAndSaved) {
  for (auto type : {HyperbandType::kStopping, HyperbandType::kPromotion}) {
    auto s = make(type, 3, 4);
    const std::vector<TrialId> ids{5, 1'000'000'000, -7, 2};
    std::vector<int> brackets;
    for (TrialId id : ids) {
      ASSERT_TRUE(s->suggest(id));
      s->on_trial_add(trial(id));
      brackets.push_back(s->bracket_of(id));
      EXPECT_GE(brackets.back(), 0) << id;
    }
    EXPECT_EQ(s->bracket_of(3), -1);
    EXPECT_EQ(s->bracket_of(999), -1);
    const Json saved = Json::parse(s->save_state().dump());
    EXPECT_EQ(saved["trials"]["trial_id"], (Json{-7, 2, 5, 1'000'000'000}));  // sorted
    auto t = make(type, 3, 77);
    t->load_state(saved);
    EXPECT_EQ(t->save_state(), s->save_state());
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(t->bracket_of(ids[i]), brackets[i]);
    // A result at the max resource stops the far-off trial in both.
    const auto r = result(1'000'000'000, 0.3, 27);
    EXPECT_EQ(s->on_trial_result(trial(1'000'000'000), r), Decision::kStop);
    EXPECT_EQ(t->on_trial_result(trial(1'000'000'000), r), Decision::kStop);
  }
}

TEST(Hyperband, RoundRobinBracketRuleGivesTrialTBracketTModBrackets) {
  HyperbandOptions o;
  o.type = HyperbandType::kPromotion;
  o.brackets = 3;
  o.bracket_rule = BracketRule::kRoundRobin;
  HyperbandScheduler s(spec(Mode::kMin, "epochs"), o, testing::test_searcher());
  const std::int64_t first[] = {1, 3, 9};
  for (TrialId id = 0; id < 12; ++id) {
    auto sug = s.suggest(id);
    ASSERT_TRUE(sug);
    Trial t = trial(id);
    t.config = std::get<StartTrial>(*sug).config;
    s.on_trial_add(t);
    EXPECT_EQ(s.bracket_of(id), id % 3);
    EXPECT_EQ(t.config.at("epochs").get<std::int64_t>(), first[id % 3]);
  }
  EXPECT_EQ(s.metadata().at("options").at("bracket_rule"), "round_robin");
  EXPECT_EQ(parse_bracket_rule(to_string(BracketRule::kSampled)), BracketRule::kSampled);
  EXPECT_THROW(parse_bracket_rule("random"), InvalidArgument);
}

TEST(Hyperband, OptionsValidatedAndMetadata) {
  HyperbandOptions o;
  o.brackets = 9;
  EXPECT_THROW(HyperbandScheduler(spec(), o, testing::test_searcher()), InvalidArgument);
  ProblemSpec p = spec();
  p.max_t.reset();
  EXPECT_THROW(HyperbandScheduler(p, HyperbandOptions{}, testing::test_searcher()), InvalidArgument);
  auto s = make(HyperbandType::kPromotion);
  const Json m = s->metadata();
  EXPECT_EQ(m.at("scheduler_name"), "HyperbandScheduler");
  EXPECT_EQ(m.at("options").at("type"), "promotion");
  EXPECT_EQ(m.at("options").at("max_t"), 27);
}

}  // namespace
}  // namespace synetune

namespace synetune {
namespace {

// A random searcher that reports a learned bracket head, as Hyper-Tune's does.
class HeadSearcher : public Searcher {
 public:
  HeadSearcher(std::vector<double> head, std::uint64_t seed) : inner_(testing::test_searcher(seed)), head_(std::move(head)) {}
  std::optional<Config> suggest(TrialId id) override { return inner_->suggest(id); }
  std::string name() const override { return "head"; }
  Json save_state() const override { return inner_->save_state(); }
  void load_state(const Json& s) override { inner_->load_state(s); }
  std::vector<double> bracket_distribution_head() const override { return head_; }

 private:
  std::unique_ptr<Searcher> inner_;
  std::vector<double> head_;
};

TEST(Hyperband, LearnedBracketHeadReplacesTheDefaultHeadAndKeepsTheTail) {
  HyperbandOptions o;
  o.type = HyperbandType::kStopping;
  o.brackets = 4;  // rung levels 1, 3, 9 and max_t 27: four brackets
  auto plain = std::make_unique<HyperbandScheduler>(spec(), o, testing::test_searcher(1));
  const std::vector<double> def = plain->bracket_distribution();
  ASSERT_EQ(def.size(), 4u);
  // Head over the first two brackets (theta / r, unnormalized): 3:1 after normalization.
  HyperbandScheduler ht(spec(), o, std::make_unique<HeadSearcher>(std::vector<double>{0.6, 0.2}, 1));
  const std::vector<double> p = ht.bracket_distribution();
  const double head_mass = def[0] + def[1];
  EXPECT_NEAR(p[0], 0.75 * head_mass, 1e-12);
  EXPECT_NEAR(p[1], 0.25 * head_mass, 1e-12);
  EXPECT_DOUBLE_EQ(p[2], def[2]);
  EXPECT_DOUBLE_EQ(p[3], def[3]);
  // A head over all brackets replaces the distribution; an all-zero head puts all on bracket 0.
  HyperbandScheduler full(spec(), o, std::make_unique<HeadSearcher>(std::vector<double>{0, 0, 1, 1}, 1));
  EXPECT_EQ(full.bracket_distribution(), (std::vector<double>{0, 0, 0.5, 0.5}));
  HyperbandScheduler zero(spec(), o, std::make_unique<HeadSearcher>(std::vector<double>{0, 0, 0, 0}, 1));
  EXPECT_EQ(zero.bracket_distribution(), (std::vector<double>{1, 0, 0, 0}));
  // New trials are drawn from it: only brackets 2 and 3, about equally often.
  std::map<int, int> count;
  for (TrialId id = 0; id < 400; ++id) {
    ASSERT_TRUE(full.suggest(id));
    full.on_trial_add(trial(id));
    ++count[full.bracket_of(id)];
  }
  EXPECT_EQ(count[0] + count[1], 0);
  EXPECT_GT(count[2], 150);
  EXPECT_GT(count[3], 150);
}

}  // namespace
}  // namespace synetune
