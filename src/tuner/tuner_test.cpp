// Tuner loop tests with a scripted in-memory backend and scheduler: no processes, no sleeps.
#include "synetune/tuner/tuner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune {
namespace {

// Each started trial reports `epochs` results (value = f(trial, epoch)) 1 s apart, then
// completes, unless its behaviour says to fail or to exit silently.
class FakeBackend : public Backend {
 public:
  enum class Behaviour { kNormal, kCrash, kSilent };
  FakeBackend() = default;
  /// `disk`: the next epoch of each trial, as its checkpoint would tell; shared with the
  /// backend of a resumed tuner, so that resumed trials continue where they were.
  explicit FakeBackend(std::shared_ptr<std::map<TrialId, int>> disk) : next_epoch_(std::move(disk)) {}
  std::map<TrialId, Behaviour> behaviour;
  int epochs = 3;
  std::vector<TrialId> stopped, paused, resumed;

  void set_tuner_path(const std::filesystem::path&) override {}
  void start(TrialId id, const Config& config, std::optional<TrialId>) override {
    schedule(id, config, 1);
  }
  void pause(TrialId id) override { paused.push_back(id), drop(id); }
  void resume(TrialId id, const Config& config) override {
    resumed.push_back(id);
    schedule(id, config, std::max(1, (*next_epoch_)[id]));
  }
  void stop(TrialId id) override { stopped.push_back(id), drop(id); }
  std::vector<BackendEvent> wait(double deadline) override {
    if (queue_.empty() || queue_.begin()->first > deadline) {
      now_ = std::max(now_, deadline);
      return {};
    }
    auto it = queue_.begin();
    now_ = it->first;
    std::vector<BackendEvent> out{it->second};
    queue_.erase(it);
    if (out[0].kind == BackendEvent::Kind::kResult)
      (*next_epoch_)[out[0].trial_id] = static_cast<int>(out[0].result.get("epoch")) + 1;
    return out;
  }
  double now() const override { return now_; }
  void stop_all() override { queue_.clear(); }
  BackendCapabilities capabilities() const override { return caps; }
  std::string name() const override { return "FakeBackend"; }
  BackendCapabilities caps{.pause_resume = true, .warm_start = true, .simulated_time = true};

 private:
  void schedule(TrialId id, const Config& config, int from) {
    Behaviour b = behaviour.count(id) ? behaviour[id] : Behaviour::kNormal;
    double t = now_;
    if (b == Behaviour::kNormal) {
      for (int e = from; e <= epochs; ++e) {
        BackendEvent ev;
        ev.trial_id = id;
        ev.result.trial_id = id;
        ev.result.values = {{"epoch", double(e)}, {"loss", config["x"].get<double>() / e}};
        queue_.emplace(t += 1.0 + 0.001 * id, ev);
      }
    }
    BackendEvent end;
    end.trial_id = id;
    end.kind = b == Behaviour::kCrash ? BackendEvent::Kind::kFailed : BackendEvent::Kind::kCompleted;
    end.reason = "exit code 1";
    queue_.emplace(t + 0.5, end);
  }
  void drop(TrialId id) {
    for (auto it = queue_.begin(); it != queue_.end();)
      it = it->second.trial_id == id ? queue_.erase(it) : std::next(it);
  }
  std::multimap<double, BackendEvent> queue_;
  std::shared_ptr<std::map<TrialId, int>> next_epoch_ = std::make_shared<std::map<TrialId, int>>();
  double now_ = 0;
};

// Suggests x = 10, 9, 8, ...; stops trials whose loss at epoch 1 is > 8.5; pauses at epoch 2
// when `pause_at_2` and then resumes paused trials first.
class FakeScheduler : public Scheduler {
 public:
  bool pause_at_2 = false;
  int remaining = 100;
  std::vector<TrialId> errors, completed;
  std::deque<TrialId> paused;
  ProblemSpec spec{"loss", Mode::kMin, "epoch", 3.0, ""};

  std::optional<TrialSuggestion> suggest(TrialId next) override {
    if (!paused.empty()) {
      TrialId id = paused.front();
      paused.pop_front();
      return ResumeTrial{id, std::nullopt};
    }
    if (remaining-- <= 0) return std::nullopt;
    return StartTrial{Config{{"x", 10.0 - static_cast<double>(next)}}, std::nullopt};
  }
  void on_trial_add(const Trial&) override {}
  Decision on_trial_result(const Trial& t, const Result& r) override {
    if (r.get("epoch") == 1 && r.get("loss") > 8.5) return Decision::kStop;
    if (pause_at_2 && r.get("epoch") == 2) {
      paused.push_back(t.trial_id);
      return Decision::kPause;
    }
    return Decision::kContinue;
  }
  void on_trial_complete(const Trial& t, const Result&) override { completed.push_back(t.trial_id); }
  void on_trial_error(const Trial& t) override { errors.push_back(t.trial_id); }
  SchedulerRequirements requirements() const override { return needs; }
  SchedulerRequirements needs;
  const ProblemSpec& problem() const override { return spec; }
  Json metadata() const override { return {{"scheduler_name", "FakeScheduler"}}; }
  Json save_state() const override {
    return Json{{"remaining", remaining}, {"paused", std::vector<TrialId>(paused.begin(), paused.end())}};
  }
  void load_state(const Json& j) override {
    remaining = j.at("remaining").get<int>();
    const auto p = j.at("paused").get<std::vector<TrialId>>();
    paused.assign(p.begin(), p.end());
  }
};

class TunerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("synetune-tuner-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  TunerOptions options() {
    TunerOptions o;
    o.root = root_;
    o.tuner_name = "exp";
    o.n_workers = 2;
    o.print_progress = false;
    o.print_summary = false;
    return o;
  }
  std::vector<Json> journal() {
    std::vector<Json> lines;
    read_journal(root_ / "exp" / "journal.jsonl", [&](const Json& j) { lines.push_back(j); });
    return lines;
  }
  std::filesystem::path root_;
};

TEST_F(TunerTest, StopsAfterMaxNumTrialsStartedStrictly) {
  auto sched = std::make_unique<FakeScheduler>();
  auto* s = sched.get();
  auto o = options();
  o.stop_criterion.max_num_trials_started = 3;
  Tuner tuner(std::move(sched), std::make_unique<FakeBackend>(), o);
  TuningSummary sum = tuner.run();
  EXPECT_EQ(sum.status.num_trials_started, 4);  // strict >: 4 trials started
  EXPECT_NE(sum.stop_reason.find("max_num_trials_started"), std::string::npos);
  // Trial 0 (x=10) and 1 (x=9) are stopped at epoch 1; 2 and 3 complete or get stopped at end.
  EXPECT_EQ(s->completed.size() + sum.status.num_trials_stopped + sum.status.num_trials_failed, 4u);
  // Trials 2 and 3 start together once 0 and 1 are stopped; the criterion fires right after
  // trial 2's first result (8.0), and the running trials are stopped.
  EXPECT_EQ(sum.best_trial_id, 2);
  EXPECT_DOUBLE_EQ(sum.best_metric, 8.0);
  EXPECT_EQ(sum.status.num_trials_running, 0);
}

// The error names the method, the backend and what is missing, before anything runs.
std::string wiring_error(std::unique_ptr<Scheduler> scheduler, std::unique_ptr<Backend> backend,
                         const TunerOptions& o) {
  try {
    Tuner tuner(std::move(scheduler), std::move(backend), o);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST_F(TunerTest, RefusesABackendThatCannotPauseForASchedulerThatPauses) {
  auto sched = std::make_unique<FakeScheduler>();
  sched->pause_at_2 = true;
  sched->needs = {.pause_resume = true, .warm_start = false, .method = "promotion-type FakeHyperband"};
  auto backend = std::make_unique<FakeBackend>();
  backend->caps.pause_resume = false;
  const std::string msg = wiring_error(std::move(sched), std::move(backend), options());
  EXPECT_NE(msg.find("promotion-type FakeHyperband cannot run on FakeBackend"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pause_resume is false"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("warm_start"), std::string::npos) << msg;  // only what is missing
  EXPECT_FALSE(std::filesystem::exists(root_ / "exp"));  // no folder, no trial
}

TEST_F(TunerTest, RefusesABackendThatCannotWarmStartForASchedulerThatDoes) {
  auto sched = std::make_unique<FakeScheduler>();
  sched->needs = {.pause_resume = true, .warm_start = true, .method = ""};
  auto backend = std::make_unique<FakeBackend>();
  backend->caps = {.pause_resume = false, .warm_start = false, .simulated_time = true};
  const std::string msg = wiring_error(std::move(sched), std::move(backend), options());
  // No method text: the scheduler's metadata name stands in.
  EXPECT_NE(msg.find("FakeScheduler cannot run on FakeBackend"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pause_resume is false"), std::string::npos) << msg;
  EXPECT_NE(msg.find("warm_start is false"), std::string::npos) << msg;
  // A resume is wired the same way.
  auto sched2 = std::make_unique<FakeScheduler>();
  sched2->needs.warm_start = true;
  auto backend2 = std::make_unique<FakeBackend>();
  backend2->caps.warm_start = false;
  EXPECT_THROW(Tuner::load(root_ / "exp", std::move(sched2), std::move(backend2), options()), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(root_ / "exp"));
}

TEST_F(TunerTest, RunsWhenTheBackendHasWhatTheSchedulerNeeds) {
  // A scheduler that needs nothing runs on a backend that offers nothing ...
  auto backend = std::make_unique<FakeBackend>();
  backend->caps = {.pause_resume = false, .warm_start = false, .simulated_time = true};
  auto o = options();
  o.stop_criterion.max_num_trials_started = 1;
  EXPECT_NO_THROW(Tuner(std::make_unique<FakeScheduler>(), std::move(backend), o).run());
  // ... and a pausing one on a backend that can pause.
  auto sched = std::make_unique<FakeScheduler>();
  sched->pause_at_2 = true;
  sched->needs.pause_resume = true;
  o.tuner_name = "exp2";
  Tuner tuner(std::move(sched), std::make_unique<FakeBackend>(), o);
  EXPECT_GE(tuner.run().status.num_trials_started, 1);
}

TEST_F(TunerTest, DecisionsReachBackendAndJournal) {
  auto o = options();
  o.stop_criterion.max_num_trials_finished = 2;
  auto backend = std::make_unique<FakeBackend>();
  auto* b = backend.get();
  Tuner tuner(std::make_unique<FakeScheduler>(), std::move(backend), o);
  tuner.run();
  ASSERT_GE(b->stopped.size(), 2u);
  EXPECT_EQ(b->stopped[0], 0);
  EXPECT_EQ(b->stopped[1], 1);
  int results = 0, stops = 0;
  for (const auto& j : journal()) {
    if (j["event"] == "result") {
      ++results;
      if (j.value("decision", std::string("CONTINUE")) == "STOP") ++stops;  // CONTINUE is left out
      EXPECT_TRUE(j["result"].contains("loss"));
    }
  }
  EXPECT_GE(stops, 2);
  EXPECT_GT(results, 2);
}

TEST_F(TunerTest, SilentSuccessAndCrashAreFailuresWithinMaxFailures) {
  auto backend = std::make_unique<FakeBackend>();
  backend->behaviour[2] = FakeBackend::Behaviour::kSilent;
  backend->behaviour[3] = FakeBackend::Behaviour::kCrash;
  auto sched = std::make_unique<FakeScheduler>();
  auto* s = sched.get();
  auto o = options();
  o.max_failures = 2;
  o.stop_criterion.max_num_trials_finished = 6;
  Tuner tuner(std::move(sched), std::move(backend), o);
  TuningSummary sum = tuner.run();
  EXPECT_FALSE(sum.failed);
  EXPECT_EQ(sum.status.num_trials_failed, 2);
  EXPECT_EQ(s->errors, (std::vector<TrialId>{2, 3}));
  bool saw_reason = false;
  for (const auto& j : journal())
    if (j["event"] == "status" && j["trial_id"] == 2 && j["status"] == "Failed")
      saw_reason = j["reason"].get<std::string>().find("without reporting") != std::string::npos;
  EXPECT_TRUE(saw_reason);
}

TEST_F(TunerTest, TooManyFailuresEndTheTuning) {
  auto backend = std::make_unique<FakeBackend>();
  for (TrialId i = 0; i < 10; ++i) backend->behaviour[i] = FakeBackend::Behaviour::kCrash;
  auto o = options();
  o.max_failures = 1;
  o.stop_criterion.max_num_trials_started = 50;
  Tuner tuner(std::make_unique<FakeScheduler>(), std::move(backend), o);
  TuningSummary sum = tuner.run();
  EXPECT_TRUE(sum.failed);
  EXPECT_EQ(sum.status.num_trials_failed, 2);
}

TEST_F(TunerTest, PausedTrialsAreResumedWithTheSameId) {
  auto sched = std::make_unique<FakeScheduler>();
  sched->pause_at_2 = true;
  sched->remaining = 4;
  auto backend = std::make_unique<FakeBackend>();
  auto* b = backend.get();
  auto o = options();
  o.stop_criterion.max_wallclock_time = 1000;
  Tuner tuner(std::move(sched), std::move(backend), o);
  TuningSummary sum = tuner.run();
  EXPECT_EQ(sum.status.num_trials_started, 4);
  EXPECT_FALSE(b->resumed.empty());
  // Every result row of a resumed trial continues from epoch 3, never repeats epoch 1 or 2.
  std::map<long, std::vector<double>> epochs;
  for (const auto& j : journal())
    if (j["event"] == "result") epochs[j["trial_id"].get<long>()].push_back(j["result"]["epoch"].get<double>());
  for (TrialId id : b->resumed) EXPECT_EQ(epochs[id], (std::vector<double>{1, 2, 3}));
}

TEST_F(TunerTest, WritesMetadataAndResultsCsvZip) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 5;
  o.metadata = Json{{"user", "alice"}};
  Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  tuner.run();
  std::ifstream in(root_ / "exp" / "metadata.json");
  Json md = Json::parse(in);
  EXPECT_EQ(md["user"], "alice");
  EXPECT_EQ(md["metric_names"], Json::array({"loss"}));
  EXPECT_EQ(md["metric_mode"], "min");
  EXPECT_EQ(md["backend"], "FakeBackend");
  EXPECT_TRUE(md["config_space"].is_string());
  EXPECT_TRUE(md.contains("st_tuner_creation_timestamp"));
  std::string csv = read_zip_entry(root_ / "exp" / "results.csv.zip", "results.csv");
  std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header, "epoch,loss,st_decision,st_status,trial_id,config_x,st_tuner_time");
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 7);  // header + >= 6 rows (strict >)
  EXPECT_TRUE(std::filesystem::exists(root_ / "exp" / "tuner.json"));
}

// Each tuner has its own stop flag: two tuners run on two threads of one process (as in the
// benchmark runner), each with periodic saves on its saving thread; stopping one leaves the
// other running, and both write their folders.
TEST_F(TunerTest, EachTunerIsStoppedByItsOwnToken) {
  struct CountResults : TunerCallback {
    explicit CountResults(std::atomic<std::int64_t>& n) : count(n) {}
    void on_trial_result(const Trial&, const Result&, Decision, double, Json&) override { ++count; }
    std::atomic<std::int64_t>& count;
  };
  std::atomic<std::int64_t> results[2] = {0, 0};
  std::unique_ptr<Tuner> tuners[2];
  for (int i = 0; i < 2; ++i) {
    auto scheduler = std::make_unique<FakeScheduler>();
    scheduler->remaining = std::numeric_limits<int>::max();
    auto o = options();
    o.tuner_name = "exp" + std::to_string(i);
    o.stop_criterion.max_wallclock_time = 1e15;  // only the tokens stop them
    o.results_update_interval = 0.005;
    tuners[i] = std::make_unique<Tuner>(std::move(scheduler), std::make_unique<FakeBackend>(), o);
    tuners[i]->add_callback(std::make_unique<CountResults>(results[i]));
  }
  TuningSummary summary[2];
  std::thread threads[2];
  for (int i = 0; i < 2; ++i) threads[i] = std::thread([&, i] { summary[i] = tuners[i]->run(); });
  auto stop_and_join = [&](int i) {
    tuners[i]->stop_token().request_stop();
    if (threads[i].joinable()) threads[i].join();
  };
  auto eventually = [](auto&& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done() && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done();
  };
  EXPECT_TRUE(eventually([&] { return results[0] > 2000 && results[1] > 2000; }));
  stop_and_join(0);
  const std::int64_t second_then = results[1].load();
  EXPECT_TRUE(eventually([&] { return results[1] > second_then + 2000; })) << "the other tuner goes on";
  const StopToken copy = tuners[1]->stop_token();  // copies share the flag
  EXPECT_FALSE(copy.stop_requested());
  copy.request_stop();
  threads[1].join();
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(summary[i].stop_reason, "interrupted (Ctrl-C, SIGTERM or StopToken::request_stop)");
    const auto dir = root_ / ("exp" + std::to_string(i));
    const std::string csv = read_zip_entry(dir / "results.csv.zip", "results.csv");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), summary[i].status.num_evaluations + 1);
    EXPECT_TRUE(std::filesystem::exists(dir / "tuner.json"));
    EXPECT_FALSE(std::filesystem::exists(dir / "tuner.json.tmp"));
    EXPECT_EQ(summary[i].status.num_evaluations, results[i].load());
  }
}

TEST(TunerNames, NameFromBaseIsUtcStampedAndShort) {
  std::string n = name_from_base("train-height");
  EXPECT_EQ(n.rfind("train-height-", 0), 0u);
  EXPECT_EQ(n.size(), std::string("train-height-2022-01-12-11-08-40-971").size());
  EXPECT_LE(name_from_base(std::string(100, 'a')).size(), 63u);
}

TEST(StoppingCriterionTest, AllFieldsAreStrict) {
  StoppingCriterion c;
  TuningStatus s;
  c.max_num_evaluations = 3;
  s.num_evaluations = 3;
  EXPECT_FALSE(c.should_stop(s));
  s.num_evaluations = 4;
  EXPECT_TRUE(c.should_stop(s));
  StoppingCriterion m;
  m.min_metric_value["loss"] = 0.5;
  s.metric_min["loss"] = 0.5;
  EXPECT_FALSE(m.should_stop(s));
  s.metric_min["loss"] = 0.49;
  EXPECT_TRUE(m.should_stop(s));
  EXPECT_EQ(StoppingCriterion::from_json(m.to_json()).min_metric_value.at("loss"), 0.5);
}

}  // namespace
}  // namespace synetune

namespace synetune {
namespace {

TEST_F(TunerTest, ResumeContinuesWithoutLosingOrDuplicatingResults) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  TuningSummary before;
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    before = tuner.run();
  }
  ASSERT_GE(before.best_trial_id, 0);
  {
    // Finished trials' configs come back from the journal (tuner.json leaves them out).
    auto again = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(),
                             std::make_unique<FakeBackend>(), o);  // stops at once
    const TuningSummary same = again->run();
    EXPECT_EQ(same.best_trial_id, before.best_trial_id);
    EXPECT_EQ(same.best_config, before.best_config);
  }
  const std::size_t first_part = journal().size();
  auto o2 = options();
  o2.stop_criterion.max_num_trials_finished = 6;
  auto tuner = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(),
                           std::make_unique<FakeBackend>(), o2);
  TuningSummary sum = tuner->run();
  EXPECT_FALSE(sum.best_config.is_null());
  EXPECT_GT(journal().size(), first_part);
  EXPECT_GE(sum.status.num_trials_finished(), 7);
  std::map<long, std::vector<double>> epochs;
  std::set<long> started;
  for (const auto& j : journal()) {
    if (j["event"] == "result")
      epochs[j["trial_id"].get<long>()].push_back(j["result"]["epoch"].get<double>());
    if (j["event"] == "trial_start" && !j["resumed"].get<bool>()) {
      EXPECT_TRUE(started.insert(j["trial_id"].get<long>()).second) << "trial id reused";
    }
  }
  for (const auto& [id, e] : epochs)
    for (std::size_t i = 1; i < e.size(); ++i) EXPECT_LT(e[i - 1], e[i]) << "trial " << id;
  // The results table covers both parts.
  std::string csv = read_zip_entry(root_ / "exp" / "results.csv.zip", "results.csv");
  std::size_t rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  std::size_t results = 0;
  for (const auto& [id, e] : epochs) results += e.size();
  EXPECT_EQ(rows, results);
}

// A scheduler that asks to resume a trial that is not paused, with no damaged journal to
// blame, has a bug: the tuner aborts there (SYNETUNE_CHECK) instead of reporting it as an
// error of the user's.
using TunerDeathTest = TunerTest;
TEST_F(TunerDeathTest, AResumeOfATrialThatIsNotPausedIsASchedulerBug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto sched = std::make_unique<FakeScheduler>();
  sched->paused = {0};  // a resume of trial 0 before any trial started
  Tuner tuner(std::move(sched), std::make_unique<FakeBackend>(), options());
  EXPECT_DEATH(tuner.run(), "check failed: replay_divergences > 0 the scheduler asked to resume trial 0, "
                            "which is unknown to the tuner, not paused \\(a scheduler bug\\)");
}

TEST_F(TunerTest, CorruptCheckpointFallsBackToTheJournal) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    tuner.run();
  }
  std::ofstream(root_ / "exp" / "tuner.json") << "{\"format\": \"synetune-tuner-checkpoint\", \"vers";
  auto o2 = options();
  o2.stop_criterion.max_num_trials_started = 5;
  auto tuner = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(),
                           std::make_unique<FakeBackend>(), o2);
  TuningSummary sum = tuner->run();
  EXPECT_EQ(sum.status.num_trials_started, 6);
  std::set<long> started;
  for (const auto& j : journal())
    if (j["event"] == "trial_start" && !j["resumed"].get<bool>()) {
      EXPECT_TRUE(started.insert(j["trial_id"].get<long>()).second);
    }
  EXPECT_EQ(started.size(), 6u);
}

// A checkpoint that is malformed in any part (JSON the parser rejects, a field of the wrong
// type, a bad trial status, a missing section) is one kind of problem, whatever the code
// underneath throws: a StorageError naming tuner.json, on which the resume replays the journal.
TEST_F(TunerTest, EveryMalformedCheckpointIsOneStorageErrorNamingTheFile) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    tuner.run();
  }
  const auto file = root_ / "exp" / "tuner.json";
  std::ifstream in(file);
  const Json good = parse_json_lenient(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  std::vector<std::pair<std::string, std::function<void(Json&)>>> damages = {
      {"type_error", [](Json& cp) { cp["scheduler"]["remaining"] = "many"; }},                // nlohmann type_error
      {"out_of_range", [](Json& cp) { cp.erase("backend"); }},                                 // nlohmann out_of_range
      {"trial status", [](Json& cp) { cp["state"]["trials"]["status"][0] = "Sleeping"; }},    // InvalidArgument
      {"", [](Json& cp) { cp["version"] = 7; }}};                                              // StorageError
  for (const auto& [kind, damage] : damages) {
    Json cp = good;
    damage(cp);
    std::ofstream(file) << cp.dump();
    ::testing::internal::CaptureStderr();
    auto tuner = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_THAT(err, ::testing::HasSubstr("cannot use the tuner checkpoint (" + file.string())) << kind;
    EXPECT_THAT(err, ::testing::HasSubstr("replaying the result journal instead")) << kind;
  }
  // Nothing usable at all: Tuner::load itself throws the StorageError.
  std::filesystem::remove(root_ / "exp" / "journal.jsonl");
  EXPECT_THROW(Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o),
               StorageError);
}

// The loop never journals a result that fails the result check; a journal line holding one
// is damaged, and the replay leaves it out (a scheduler that reads every result could take
// it for a bug) instead of stopping there.
TEST_F(TunerTest, AJournaledResultTheLoopWouldHaveRejectedIsSkippedOnReplay) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  o.write_checkpoint = false;  // the resume replays the whole journal
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    tuner.run();
  }
  std::string text;
  for (Json j : journal()) {
    if (j["event"] == "result" && j["trial_id"] == 0) j["result"]["loss"] = "damaged";
    text += j.dump() + "\n";
  }
  std::ofstream(root_ / "exp" / "journal.jsonl") << text;
  ::testing::internal::CaptureStderr();
  auto tuner = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), ::testing::HasSubstr("did not do what the journal says"));
}

// Defect class "an existing experiment is silently overwritten": a new tuner refuses the
// folder of an earlier run (same name), and its files stay as they were.
TEST_F(TunerTest, ANewTunerNeverWritesIntoAnExistingExperiment) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  {
    Tuner first(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    first.run();
  }
  const std::size_t lines = journal().size();
  std::ifstream md_in(root_ / "exp" / "metadata.json");
  const std::string metadata((std::istreambuf_iterator<char>(md_in)), std::istreambuf_iterator<char>());
  Tuner second(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  EXPECT_THROW(second.run(), InvalidArgument);
  EXPECT_EQ(journal().size(), lines);
  std::ifstream md_after(root_ / "exp" / "metadata.json");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(md_after)), std::istreambuf_iterator<char>()), metadata);
  // Asked to, it starts over: one run in the journal, not two.
  o.existing_folder = ExistingFolder::kOverwrite;
  Tuner third(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  third.run();
  int starts = 0;
  for (const auto& j : journal()) starts += j["event"] == "tuning_start";
  EXPECT_EQ(starts, 1);
}

TEST_F(TunerTest, AGeneratedNameThatExistsGetsASuffix) {
  auto o = options();
  o.tuner_name.clear();
  o.tuner_name_base = "gen";
  o.stop_criterion.max_num_evaluations = 2;
  Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  const std::string planned = tuner.name();
  std::filesystem::create_directories(root_ / planned);
  std::ofstream(root_ / planned / "metadata.json") << "{}";
  tuner.run();
  EXPECT_EQ(tuner.name(), planned + "-2");
  EXPECT_TRUE(std::filesystem::exists(root_ / (planned + "-2") / "journal.jsonl"));
  std::ifstream in(root_ / planned / "metadata.json");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), "{}");
}

// Defect class "no lock": a tuner on a folder that another tuner runs fails before reading
// or writing anything; the folder is free again once that tuner is gone.
TEST_F(TunerTest, OneTunerPerExperimentFolder) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    tuner.run();
    // Still alive: it holds the lock.
    EXPECT_THROW(Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o),
                 ExperimentLocked);
  }
  const std::size_t lines = journal().size();
  {
    ExperimentLock other = ExperimentLock::acquire(root_ / "exp");
    EXPECT_THROW(Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o),
                 ExperimentLocked);
    o.existing_folder = ExistingFolder::kOverwrite;
    Tuner overwrite(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    EXPECT_THROW(overwrite.run(), ExperimentLocked);
    EXPECT_EQ(journal().size(), lines);
  }
  auto again = Tuner::load(root_ / "exp", std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
  again->run();
  EXPECT_GT(journal().size(), lines);
}

TEST(TunerNames, GeneratedNamesAreValidExperimentNames) {
  EXPECT_TRUE(is_valid_experiment_name(name_from_base("my script (v2)")));
  EXPECT_EQ(name_from_base("../..").rfind("st-tuner-", 0), 0u);
}

}  // namespace
}  // namespace synetune

namespace synetune {
namespace {

// The journal cut after each of its lines, as a SIGKILL may leave it, without tuner.json:
// the resumed tuner replays the journal into a fresh scheduler whose paused trials (its own
// state, as the rungs of promotion-type ASHA) must agree with the trial table. Before the
// scheduler's suggestions were replayed, it asked to resume trials that already ran again.
TEST_F(TunerTest, JournalReplayAfterAKillAtAnyLineKeepsSchedulerAndTrialTableConsistent) {
  auto o = options();
  o.stop_criterion.max_num_trials_started = 5;
  auto make_scheduler = [] {
    auto s = std::make_unique<FakeScheduler>();
    s->pause_at_2 = true;
    return s;
  };
  {
    Tuner tuner(make_scheduler(), std::make_unique<FakeBackend>(), o);
    tuner.run();
  }
  const std::filesystem::path exp = root_ / "exp";
  std::vector<std::string> lines;
  {
    std::ifstream in(exp / "journal.jsonl");
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  ASSERT_GT(lines.size(), 20u);
  for (std::size_t cut = 2; cut < lines.size(); ++cut) {
    SCOPED_TRACE("journal cut after line " + std::to_string(cut));
    std::filesystem::remove(exp / "tuner.json");
    {
      std::ofstream out(exp / "journal.jsonl", std::ios::trunc);
      for (std::size_t i = 0; i < cut; ++i) out << lines[i] << "\n";
    }
    auto disk = std::make_shared<std::map<TrialId, int>>();
    for (std::size_t i = 0; i < cut; ++i) {  // checkpoints: one epoch past the last result
      const Json j = Json::parse(lines[i]);
      if (j["event"] == "result") (*disk)[j["trial_id"].get<TrialId>()] = j["result"]["epoch"].get<int>() + 1;
    }
    auto o2 = options();
    o2.stop_criterion.max_num_trials_started = 7;
    testing::internal::CaptureStderr();
    auto tuner = Tuner::load(exp, make_scheduler(), std::make_unique<FakeBackend>(disk), o2);
    EXPECT_NO_THROW(tuner->run());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.find("did not do what the journal says"), std::string::npos) << err;
    std::map<long, std::vector<double>> epochs;
    for (const auto& j : journal())
      if (j["event"] == "result") epochs[j["trial_id"].get<long>()].push_back(j["result"]["epoch"].get<double>());
    for (const auto& [id, e] : epochs)
      for (std::size_t i = 1; i < e.size(); ++i) EXPECT_LT(e[i - 1], e[i]) << "trial " << id;
    if (HasFailure()) return;
  }
}

// Unreadable journal lines (torn by a power loss, or lacking fields) are skipped with a
// warning naming file and line; the resume keeps every other result and goes on.
TEST_F(TunerTest, ResumeSkipsUnreadableJournalLinesAndKeepsTheRest) {
  auto o = options();
  o.stop_criterion.max_num_evaluations = 4;
  {
    Tuner tuner(std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o);
    tuner.run();
  }
  const std::filesystem::path exp = root_ / "exp";
  std::filesystem::remove(exp / "tuner.json");
  std::size_t results_before = 0;
  for (const auto& j : journal()) results_before += j["event"] == "result";
  std::size_t lines_before = journal().size();
  {
    std::ofstream out(exp / "journal.jsonl", std::ios::app);
    out << "{\"event\":\"result\",\"time\":9.5,\"result\":{\"epoch\":1}}\n";  // no trial_id
    out << "{\"event\":\"result\",\"trial_id\":1,\"time\":9.6,\"res";         // torn by a power loss
  }
  auto o2 = options();
  o2.stop_criterion.max_num_evaluations = 8;
  testing::internal::CaptureStderr();
  std::unique_ptr<Tuner> tuner;
  ASSERT_NO_THROW(tuner = Tuner::load(exp, std::make_unique<FakeScheduler>(), std::make_unique<FakeBackend>(), o2));
  ASSERT_NO_THROW(tuner->run());
  const std::string err = testing::internal::GetCapturedStderr();
  const std::string missing = "journal.jsonl:" + std::to_string(lines_before + 1) + ": skipped: field 'trial_id' is missing";
  EXPECT_NE(err.find(missing), std::string::npos) << err;
  EXPECT_NE(err.find("journal.jsonl:" + std::to_string(lines_before + 2) + ": "), std::string::npos) << err;
  // The torn line was cut off: the resumed tuner's first event starts a line of its own.
  std::size_t results_after = 0;
  testing::internal::CaptureStderr();
  const auto after = journal();
  const std::string reread = testing::internal::GetCapturedStderr();
  for (const auto& j : after) results_after += j["event"] == "result";
  EXPECT_GT(results_after, results_before);
  EXPECT_EQ(after[lines_before]["event"], "tuning_start");
  EXPECT_NE(reread.find(missing), std::string::npos) << "the line missing a field is kept as it was";
  EXPECT_EQ(reread.find("torn"), std::string::npos) << reread;
}

}  // namespace
}  // namespace synetune
