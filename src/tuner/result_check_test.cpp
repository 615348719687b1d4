// The checks on reported results: unit level, and through the tuner loop with a backend that
// replays scripted results (no processes).
#include "tuner/result_check.hpp"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {
namespace {

using ::testing::HasSubstr;

Result result(TrialId id, const char* json) { return Result::from_json(id, Json::parse(json)); }

TEST(ResultCheck, NumericMetricIsAccepted) {
  auto v = check_reported_result(result(0, R"({"epoch": 1, "loss": 0.5})"), {{"loss"}}, true);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kAccept);
  // Later results may leave the metric out (Syne Tune checks a trial's first result only).
  v = check_reported_result(result(0, R"({"epoch": 2})"), {{"loss"}}, false);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kAccept);
}

TEST(ResultCheck, NonNumericMetricFailsTheTrial) {
  auto v = check_reported_result(result(3, R"({"epoch": 1, "val_loss": "abc"})"), {{"val_loss"}}, false);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kFailTrial);
  EXPECT_EQ(v.message, R"(metric val_loss is the string "abc", not a number)");
  v = check_reported_result(result(3, R"({"val_loss": null})"), {{"val_loss"}}, true);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kFailTrial);
  EXPECT_EQ(v.message, "metric val_loss is null, not a number");
}

TEST(ResultCheck, FirstResultWithoutTheMetricStopsTheTuning) {
  auto v = check_reported_result(
      result(0, R"({"epoch": 1, "loss": 0.5, "st_worker_time": 1.0, "note": "x"})"), {{"val_loss"}}, true);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kStopTuning);
  EXPECT_THAT(v.message, HasSubstr("without the metric 'val_loss'"));
  EXPECT_THAT(v.message, HasSubstr("the keys it reported: epoch, loss, note."));
}

TEST(ResultCheck, AMultiFidelitySchedulerNeedsAPositiveIntegerResourceInEveryResult) {
  const ResultNeeds needs{{"loss"}, "epoch", ResourceNeed::kPositiveInteger};
  auto fails = [&](const char* json, const std::string& message) {
    const auto v = check_reported_result(result(3, json), needs, false);
    EXPECT_EQ(v.kind, ResultVerdict::Kind::kFailTrial) << json;
    EXPECT_EQ(v.message, message) << json;
  };
  fails(R"({"epoch": "two", "loss": 0.5})",
        R"(trial 3 reported epoch = "two"; the resource attribute must be a positive integer)");
  fails(R"({"epoch": null, "loss": 0.5})", "trial 3 reported epoch = null; the resource attribute must be a positive integer");
  fails(R"({"loss": 0.5})",
        "trial 3 reported a result without epoch (--resource-attr); the resource attribute must be a positive integer");
  fails(R"({"epoch": 1.5, "loss": 0.5})", "trial 3 reported epoch = 1.5; the resource attribute must be a positive integer");
  fails(R"({"epoch": 0, "loss": 0.5})", "trial 3 reported epoch = 0; the resource attribute must be a positive integer");
  fails(R"({"epoch": -2, "loss": 0.5})", "trial 3 reported epoch = -2; the resource attribute must be a positive integer");
  fails(R"({"epoch": 1e300, "loss": 0.5})", "trial 3 reported epoch = 1e+300; the resource attribute must be a positive integer");
  EXPECT_EQ(check_reported_result(result(3, R"({"epoch": 2, "loss": 0.5})"), needs, false).kind,
            ResultVerdict::Kind::kAccept);
  EXPECT_EQ(check_reported_result(result(3, R"({"epoch": 2.0, "loss": 0.5})"), needs, true).kind,
            ResultVerdict::Kind::kAccept);
  // A scheduler that does not read every result (FIFO) is not bothered by the resource.
  EXPECT_EQ(check_reported_result(result(3, R"({"epoch": "two", "loss": 0.5})"), {{"loss"}, "epoch"}, false).kind,
            ResultVerdict::Kind::kAccept);
}

TEST(ResultCheck, ATimeStepIsAnyNumber) {
  const ResultNeeds needs{{"loss"}, "epoch", ResourceNeed::kNumber};
  EXPECT_EQ(check_reported_result(result(1, R"({"epoch": 0.5, "loss": 1})"), needs, false).kind,
            ResultVerdict::Kind::kAccept);
  const auto v = check_reported_result(result(1, R"({"epoch": [1], "loss": 1})"), needs, false);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kFailTrial);
  EXPECT_EQ(v.message, "trial 1 reported epoch = [1]; the resource attribute must be a number");
}

TEST(ResultCheck, ALaterResultWithoutTheMetricFailsTheTrialOfASchedulerThatReadsEveryResult) {
  const ResultNeeds needs{{"loss"}, "epoch", ResourceNeed::kPositiveInteger};
  const auto v = check_reported_result(result(2, R"({"epoch": 2, "acc": 0.9})"), needs, false);
  EXPECT_EQ(v.kind, ResultVerdict::Kind::kFailTrial);
  EXPECT_EQ(v.message, "trial 2 reported a result without the metric 'loss' (the keys it reported: epoch, acc); "
                       "the scheduler needs the metric in every result");
  // The first result without it still stops the tuning (a mistyped --metric).
  EXPECT_EQ(check_reported_result(result(2, R"({"epoch": 1, "acc": 0.9})"), needs, true).kind,
            ResultVerdict::Kind::kStopTuning);
}

// Trial i reports `results[i]` one second apart, then exits.
class ScriptedBackend : public Backend {
 public:
  std::map<TrialId, std::vector<Json>> results;
  std::vector<TrialId> stopped;

  void set_tuner_path(const std::filesystem::path&) override {}
  void start(TrialId id, const Config&, std::optional<TrialId>) override {
    double t = now_;
    for (const auto& r : results[id]) {
      BackendEvent ev;
      ev.trial_id = id;
      ev.result = Result::from_json(id, r);
      queue_.emplace(t += 1.0, ev);
    }
    BackendEvent end;
    end.trial_id = id;
    end.kind = BackendEvent::Kind::kCompleted;
    queue_.emplace(t + 0.5, end);
  }
  void pause(TrialId id) override { stop(id); }
  void resume(TrialId, const Config&) override {}
  void stop(TrialId id) override {
    stopped.push_back(id);
    for (auto it = queue_.begin(); it != queue_.end();)
      it = it->second.trial_id == id ? queue_.erase(it) : std::next(it);
  }
  std::vector<BackendEvent> wait(double deadline) override {
    if (queue_.empty() || queue_.begin()->first > deadline) {
      now_ = std::max(now_, deadline);
      return {};
    }
    now_ = queue_.begin()->first;
    std::vector<BackendEvent> out{queue_.begin()->second};
    queue_.erase(queue_.begin());
    return out;
  }
  double now() const override { return now_; }
  void stop_all() override { queue_.clear(); }
  BackendCapabilities capabilities() const override { return {true, true, true}; }
  std::string name() const override { return "ScriptedBackend"; }

 private:
  std::multimap<double, BackendEvent> queue_;
  double now_ = 0;
};

class CountingScheduler : public Scheduler {
 public:
  ProblemSpec spec{"loss", Mode::kMin, "epoch", std::nullopt, ""};
  ResourceNeed need = ResourceNeed::kNone;
  ResourceNeed resource_need() const override { return need; }
  int results_seen = 0;
  std::vector<TrialId> errors;
  std::optional<TrialSuggestion> suggest(TrialId next) override {
    return StartTrial{Config{{"x", static_cast<double>(next)}}, std::nullopt};
  }
  void on_trial_add(const Trial&) override {}
  Decision on_trial_result(const Trial&, const Result&) override {
    ++results_seen;
    return Decision::kContinue;
  }
  void on_trial_complete(const Trial&, const Result&) override {}
  void on_trial_error(const Trial& t) override { errors.push_back(t.trial_id); }
  const ProblemSpec& problem() const override { return spec; }
  Json metadata() const override { return {{"scheduler_name", "CountingScheduler"}}; }
  Json save_state() const override { return Json::object(); }
  void load_state(const Json&) override {}
};

class ResultCheckTuner : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("synetune-result-check-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  TunerOptions options() {
    TunerOptions o;
    o.root = root_;
    o.tuner_name = "exp";
    o.n_workers = 1;
    o.print_progress = o.print_summary = false;
    return o;
  }
  std::vector<Json> journal(const std::string& event) {
    std::vector<Json> lines;
    read_journal(root_ / "exp" / "journal.jsonl", [&](const Json& j) {
      if (j["event"] == event) lines.push_back(j);
    });
    return lines;
  }
  std::filesystem::path root_;
};

TEST_F(ResultCheckTuner, StringMetricFailsThatTrialAndTheTuningGoesOn) {
  auto backend = std::make_unique<ScriptedBackend>();
  for (TrialId id = 0; id < 6; ++id)
    backend->results[id] = {Json{{"epoch", 1}, {"loss", 0.5}}, Json{{"epoch", 2}, {"loss", 0.4}}};
  backend->results[1][1]["loss"] = "abc";
  auto* b = backend.get();
  auto sched = std::make_unique<CountingScheduler>();
  auto* s = sched.get();
  auto o = options();
  o.stop_criterion.max_num_trials_finished = 3;
  Tuner tuner(std::move(sched), std::move(backend), o);
  TuningSummary sum = tuner.run();
  EXPECT_FALSE(sum.failed);
  EXPECT_EQ(sum.status.num_trials_failed, 1);
  EXPECT_GE(sum.status.num_trials_completed, 3);
  EXPECT_EQ(s->errors, std::vector<TrialId>{1});
  EXPECT_EQ(b->stopped.front(), 1);
  bool reason = false;
  for (const auto& j : journal("status"))
    if (j["trial_id"] == 1 && j["status"] == "Failed")
      reason = j.value("reason", "") == R"(metric loss is the string "abc", not a number)";
  EXPECT_TRUE(reason);
  // The bad result reaches neither the scheduler nor the results: the loss column stays numeric.
  for (const auto& j : journal("result")) EXPECT_TRUE(j["result"]["loss"].is_number()) << j.dump();
  EXPECT_EQ(s->results_seen, static_cast<int>(journal("result").size()));
}

// Through the loop, for a scheduler that reads every result (as ASHA): a result with a
// resource that is not a positive integer, or a later result without the metric, fails that
// trial only; the scheduler is told and never sees the result, the other trials run on.
TEST_F(ResultCheckTuner, ABadResourceOrALaterMissingMetricFailsThatTrialOnly) {
  auto backend = std::make_unique<ScriptedBackend>();
  for (TrialId id = 0; id < 6; ++id)
    backend->results[id] = {Json{{"epoch", 1}, {"loss", 0.5}}, Json{{"epoch", 2}, {"loss", 0.4}}};
  backend->results[1][1]["epoch"] = "two";
  backend->results[2][1].erase("loss");
  auto sched = std::make_unique<CountingScheduler>();
  sched->need = ResourceNeed::kPositiveInteger;
  auto* s = sched.get();
  auto o = options();
  o.max_failures = 5;
  o.stop_criterion.max_num_trials_finished = 5;
  Tuner tuner(std::move(sched), std::move(backend), o);
  TuningSummary sum = tuner.run();
  EXPECT_FALSE(sum.failed);
  EXPECT_EQ(sum.status.num_trials_failed, 2);
  EXPECT_GE(sum.status.num_trials_completed, 3);
  EXPECT_EQ(s->errors, (std::vector<TrialId>{1, 2}));
  std::map<TrialId, std::string> reasons;
  for (const auto& j : journal("status"))
    if (j["status"] == "Failed") reasons[j["trial_id"].get<TrialId>()] = j.value("reason", "");
  EXPECT_EQ(reasons[1], R"(trial 1 reported epoch = "two"; the resource attribute must be a positive integer)");
  EXPECT_THAT(reasons[2], HasSubstr("trial 2 reported a result without the metric 'loss'"));
  for (const auto& j : journal("result")) {
    EXPECT_TRUE(j["result"]["epoch"].is_number()) << j.dump();
    EXPECT_TRUE(j["result"].contains("loss")) << j.dump();
  }
  EXPECT_EQ(s->results_seen, static_cast<int>(journal("result").size()));
}

TEST_F(ResultCheckTuner, MetricMissingFromTheFirstResultStopsWithAnError) {
  auto backend = std::make_unique<ScriptedBackend>();
  for (TrialId id = 0; id < 50; ++id)
    backend->results[id] = {Json{{"epoch", 1}, {"val_loss", 0.5}}, Json{{"epoch", 2}, {"val_loss", 0.4}}};
  auto sched = std::make_unique<CountingScheduler>();
  auto* s = sched.get();
  auto o = options();
  o.n_workers = 2;
  o.max_failures = 100;
  o.stop_criterion.max_num_trials_finished = 40;
  Tuner tuner(std::move(sched), std::move(backend), o);
  try {
    tuner.run();
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("without the metric 'loss'"));
    EXPECT_THAT(e.what(), HasSubstr("the keys it reported: epoch, val_loss"));
  }
  EXPECT_EQ(s->results_seen, 0);
  // Stopped at the first result: two trials started, none ran on; everything was written.
  EXPECT_EQ(journal("trial_start").size(), 2u);
  const auto end = journal("tuning_end");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_THAT(end[0].dump(), HasSubstr("without the metric"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "exp" / "results.csv.zip"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "exp" / "metadata.json"));
}

}  // namespace
}  // namespace synetune
