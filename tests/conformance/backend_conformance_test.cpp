// The backend conformance suite instantiated for the simulator and local backends, and checked
// against a deliberately broken toy backend (each check must be able to fail).
//
// SlurmBackend is not instantiated: it needs a Slurm cluster (sbatch, squeue) that unit test
// machines lack; tests/slurm/run.sh exercises it where one is available.
#include "synetune/testing/backend_conformance.hpp"

#include <gtest/gtest-spi.h>

#include <map>

#include "synetune/backends/local_backend.hpp"
#include "synetune/backends/simulator_backend.hpp"
#include "synetune/blackboxes/blackbox.hpp"

namespace synetune::testing {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

BackendFactory simulator() {
  BackendFactory f;
  f.name = "SimulatorBackend";
  f.make = [](const std::filesystem::path& dir) {
    SimulatorOptions o;
    o.max_resource_attr = "epochs";
    auto b = std::make_unique<SimulatorBackend>(load_blackbox("synthetic_lc"), o);
    b->set_tuner_path(dir);
    return b;
  };
  // synthetic_lc: 81 epochs of 0.5 + 1.5 x2 simulated seconds each.
  f.short_config = Config{{"x1", 0.3}, {"x2", 0.5}, {"lr", 0.1}, {"epochs", 2}};
  f.long_config = Config{{"x1", 0.7}, {"x2", 0.2}, {"lr", 0.01}, {"epochs", 81}};
  // A simulated trial cannot fail: no failing_config.
  f.timeout = 1e4;  // simulated seconds: free
  f.quiet_period = 50.0;
  f.deadline_slack = 0.0;  // a virtual clock is never late
  return f;
}

BackendFactory local() {
  BackendFactory f;
  f.name = "LocalBackend";
  f.make = [](const std::filesystem::path& dir) {
    LocalBackendOptions o;
    o.entry_point = std::filesystem::path(SYNETUNE_SOURCE_DIR) / "tests" / "e2e" / "scripts" / "ticker.sh";
    o.visible_gpus_override = std::vector<int>{};  // no nvidia-smi probe
    o.kill_grace_period = 0.5;
    auto b = std::make_unique<LocalBackend>(o);
    b->set_tuner_path(dir);
    return b;
  };
  f.short_config = Config{{"n", 2}, {"dt", 0}};
  f.long_config = Config{{"n", 1000}, {"dt", 0.02}};
  f.failing_config = Config{{"n", 3}, {"dt", 0}, {"fail", 1}};
  f.timeout = 5.0;
  f.quiet_period = 0.3;
  f.deadline_slack = 0.25;
  return f;
}

INSTANTIATE_TEST_SUITE_P(Project, BackendConformance, ::testing::Values(simulator(), local()), BackendFactory::test_name);

// ---- The suite catches broken backends ----

enum class Flaw { kNone, kIgnoresStop, kIgnoresPause, kTwoCompletions, kTimeGoesBack, kOversleeps, kAdoptsUnknown };

// Virtual clock: a trial started at t reports at t + 1, t + 2, ... (`n` results), then
// completes half a second later. Correct unless `flaw` says otherwise.
class ToyBackend : public Backend {
 public:
  explicit ToyBackend(Flaw flaw) : flaw_(flaw) {}
  void set_tuner_path(const std::filesystem::path&) override {}
  void start(TrialId id, const Config& c, std::optional<TrialId>) override { launch(id, c.at("n").get<int>()); }
  void pause(TrialId id) override { silence(id); }
  void resume(TrialId id, const Config& c) override { launch(id, c.at("n").get<int>()); }
  void stop(TrialId id) override { silence(id); }
  std::vector<BackendEvent> wait(double deadline) override {
    std::vector<BackendEvent> out;
    auto it = queue_.begin();
    if (it == queue_.end() || (it->first > deadline && flaw_ != Flaw::kOversleeps)) {
      now_ = std::max(now_, std::isfinite(deadline) ? deadline + (flaw_ == Flaw::kOversleeps ? 10.0 : 0.0) : now_);
      return out;
    }
    now_ = std::max(now_, it->first);
    for (; it != queue_.end() && it->first <= now_; it = queue_.erase(it)) out.push_back(it->second);
    if (flaw_ == Flaw::kTimeGoesBack && !out.empty()) out.front().time = now_ - 5.0;
    return out;
  }
  double now() const override { return now_; }
  void stop_all() override { queue_.clear(); }
  BackendCapabilities capabilities() const override { return {}; }
  std::string name() const override { return "ToyBackend"; }

 private:
  void launch(TrialId id, int n) {
    for (int k = 1; k <= n; ++k) {
      BackendEvent e;
      e.trial_id = id;
      e.time = now_ + k;
      e.result.set("epoch", k);
      queue_.emplace(e.time, e);
    }
    BackendEvent done;
    done.kind = BackendEvent::Kind::kCompleted;
    done.trial_id = id;
    done.time = now_ + n + 0.5;
    queue_.emplace(done.time, done);
    if (flaw_ == Flaw::kTwoCompletions) queue_.emplace(done.time + 0.1, done);
  }
  void silence(TrialId id) {
    if (flaw_ == Flaw::kIgnoresStop || flaw_ == Flaw::kIgnoresPause) return;
    if (flaw_ == Flaw::kAdoptsUnknown) launch(id, 1);
    std::erase_if(queue_, [&](const auto& kv) { return kv.second.trial_id == id && kv.second.kind == BackendEvent::Kind::kResult; });
  }
  Flaw flaw_;
  double now_ = 0.0;
  std::multimap<double, BackendEvent> queue_;
};

BackendFactory toy(Flaw flaw) {
  BackendFactory f;
  f.name = "Toy";
  f.make = [flaw](const std::filesystem::path&) { return std::make_unique<ToyBackend>(flaw); };
  f.short_config = Config{{"n", 2}};
  f.long_config = Config{{"n", 5000}};  // longer than `timeout`
  f.timeout = 1e3;
  f.quiet_period = 10.0;
  f.deadline_slack = 0.0;
  return f;
}

TEST(BackendConformanceSelfTest, CorrectToyPassesEveryCheck) {
  const auto f = toy(Flaw::kNone);
  EXPECT_EQ(check_backend_lifecycle(f), std::nullopt);
  EXPECT_EQ(check_backend_time_order(f), std::nullopt);
  EXPECT_EQ(check_backend_stop(f), std::nullopt);
  EXPECT_EQ(check_backend_pause_resume(f), std::nullopt);
  EXPECT_EQ(check_backend_wait_deadline(f), std::nullopt);
  EXPECT_EQ(check_backend_unknown_trial_ids(f), std::nullopt);
}

TEST(BackendConformanceSelfTest, DetectsResultsAfterStop) {
  EXPECT_NONFATAL_FAILURE(SYNETUNE_EXPECT_CONFORMS(check_backend_stop(toy(Flaw::kIgnoresStop))), "results after stop()");
}

TEST(BackendConformanceSelfTest, DetectsResultsWhilePaused) {
  const auto why = check_backend_pause_resume(toy(Flaw::kIgnoresPause));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("while paused"), std::string::npos) << *why;
}

TEST(BackendConformanceSelfTest, DetectsSecondTerminalEvent) {
  const auto why = check_backend_lifecycle(toy(Flaw::kTwoCompletions));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("after its terminal event"), std::string::npos) << *why;
}

TEST(BackendConformanceSelfTest, DetectsTimeGoingBack) {
  EXPECT_TRUE(check_backend_time_order(toy(Flaw::kTimeGoesBack)));
}

TEST(BackendConformanceSelfTest, DetectsLateWait) {
  EXPECT_TRUE(check_backend_wait_deadline(toy(Flaw::kOversleeps)));
}

TEST(BackendConformanceSelfTest, DetectsEventsForUnknownTrial) {
  const auto why = check_backend_unknown_trial_ids(toy(Flaw::kAdoptsUnknown));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("unknown trial id"), std::string::npos) << *why;
}

}  // namespace
}  // namespace synetune::testing
