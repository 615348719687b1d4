#include "synetune/schedulers/fifo_scheduler.hpp"

#include <gtest/gtest.h>

#include "synetune/core/error.hpp"
#include "synetune/searchers/grid_searcher.hpp"
#include "synetune/searchers/random_searcher.hpp"

namespace synetune {
namespace {

// Records what the scheduler forwards.
class RecordingSearcher : public Searcher {
 public:
  std::vector<std::string> calls;
  std::optional<Config> suggest(TrialId id) override {
    calls.push_back("suggest " + std::to_string(id));
    return Json{{"x", id}};
  }
  void on_trial_add(TrialId id, const Config&) override { calls.push_back("add " + std::to_string(id)); }
  void on_trial_result(TrialId id, const Config&, const Result&) override {
    calls.push_back("result " + std::to_string(id));
  }
  void on_trial_complete(TrialId id, const Config&, const Result&) override {
    calls.push_back("complete " + std::to_string(id));
  }
  void on_trial_error(TrialId id) override { calls.push_back("error " + std::to_string(id)); }
  std::string name() const override { return "recording"; }
  Json save_state() const override { return Json{{"calls", calls.size()}}; }
  void load_state(const Json&) override {}
};

ProblemSpec spec(std::optional<std::int64_t> max_t = std::nullopt) {
  ProblemSpec p;
  p.metric = "loss";
  p.resource_attr = "epoch";
  p.max_t = max_t;
  return p;
}

Result result_at(TrialId id, double epoch) {
  Result r;
  r.trial_id = id;
  r.set("loss", 1.0);
  r.set("epoch", epoch);
  return r;
}

TEST(FifoScheduler, ForwardsEverythingAndContinues) {
  auto owned = std::make_unique<RecordingSearcher>();
  RecordingSearcher* rec = owned.get();
  FifoScheduler s(spec(), std::move(owned));
  const auto sug = s.suggest(0);
  ASSERT_TRUE(sug);
  const Trial t{.trial_id = 0, .config = std::get<StartTrial>(*sug).config};
  s.on_trial_add(t);
  EXPECT_EQ(s.on_trial_result(t, result_at(0, 1000)), Decision::kContinue);  // no max_t
  s.on_trial_complete(t, result_at(0, 1000));
  s.on_trial_error(t);
  EXPECT_EQ(rec->calls, (std::vector<std::string>{"suggest 0", "add 0", "result 0", "complete 0",
                                                  "error 0"}));
  EXPECT_EQ(s.metadata()["scheduler_name"], "FIFOScheduler");
  EXPECT_EQ(s.metadata()["searcher"], "recording");
}

TEST(FifoScheduler, StopsAtMaxT) {
  FifoScheduler s(spec(10),
                  std::make_unique<RecordingSearcher>());
  const Trial t{.trial_id = 0, .config = Json{{"x", 0}}};
  EXPECT_EQ(s.on_trial_result(t, result_at(0, 9)), Decision::kContinue);
  EXPECT_EQ(s.on_trial_result(t, result_at(0, 10)), Decision::kStop);
  Result no_epoch;
  no_epoch.set("loss", 1);
  EXPECT_EQ(s.on_trial_result(t, no_epoch), Decision::kContinue);
}

TEST(FifoScheduler, ExhaustedSearcherEndsSuggestions) {
  ConfigSpace cs;
  cs.add("c", choice({"a", "b"}));
  FifoScheduler s(spec(), std::make_unique<GridSearcher>(cs, Rng(1)));
  EXPECT_TRUE(s.suggest(0));
  EXPECT_TRUE(s.suggest(1));
  EXPECT_FALSE(s.suggest(2));
  EXPECT_THROW(FifoScheduler(spec(), nullptr), InvalidArgument);
}

TEST(FifoScheduler, SaveLoadIncludesSearcher) {
  ConfigSpace cs;
  cs.add("x", uniform(0, 1)).add("n", randint(1, 100));
  auto make = [&](std::uint64_t seed) {
    return FifoScheduler(spec(), std::make_unique<RandomSearcher>(cs, Rng(seed)));
  };
  FifoScheduler a = make(4);
  for (int i = 0; i < 3; ++i) a.suggest(i);
  FifoScheduler b = make(99);
  b.load_state(Json::parse(a.save_state().dump()));
  for (int i = 3; i < 20; ++i) {
    const auto sa = a.suggest(i), sb = b.suggest(i);
    ASSERT_EQ(std::get<StartTrial>(*sa).config, std::get<StartTrial>(*sb).config);
  }
}

}  // namespace
}  // namespace synetune
