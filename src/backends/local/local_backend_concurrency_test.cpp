// Regression tests: no output of a trial may be lost when many short trials run at once and
// descriptor numbers / Proc objects are recycled quickly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "backends/local/local_test_util.hpp"
#include "synetune/backends/local_backend.hpp"

namespace synetune {
namespace {
using testing_local::collect;
using testing_local::count_kind;
using testing_local::read_text;
using testing_local::TempDir;
using Kind = BackendEvent::Kind;

// $2 is the value of --x: odd values fail with exit code 1.
constexpr const char* kScript =
    "#!/bin/sh\n"
    "for e in 1 2 3; do echo \"[tune-metric]: {\\\"epoch\\\": $e, \\\"x\\\": $2}\"; done\n"
    "echo \"tail-of-$2\" >&2\n"
    "exit $(( $2 % 2 ))\n";

struct TrialRig {
  TempDir tmp;
  std::unique_ptr<LocalBackend> backend;
  TrialRig() {
    LocalBackendOptions opt;
    opt.entry_point = tmp.script("train.sh", kScript);
    opt.visible_gpus_override = std::vector<int>{};
    backend = std::make_unique<LocalBackend>(opt);
    backend->set_tuner_path(tmp.path() / "exp");
  }
};

void expect_complete_output(const std::vector<BackendEvent>& ev, TrialId id,
                            const std::filesystem::path& dir) {
  EXPECT_EQ(count_kind(ev, Kind::kResult, id), 3) << "trial " << id;
  const std::string tail = "tail-of-" + std::to_string(id);
  if (id % 2 == 0) {
    EXPECT_EQ(count_kind(ev, Kind::kCompleted, id), 1) << "trial " << id;
  } else {
    ASSERT_EQ(count_kind(ev, Kind::kFailed, id), 1) << "trial " << id;
    for (const auto& e : ev)
      if (e.kind == Kind::kFailed && e.trial_id == id) {
        EXPECT_NE(e.reason.find("exit code 1"), std::string::npos) << e.reason;
        EXPECT_NE(e.reason.find(tail), std::string::npos) << "trial " << id << ": " << e.reason;
      }
  }
  EXPECT_EQ(read_text(dir / "std.err"), tail + "\n");
  EXPECT_NE(read_text(dir / "std.out").find("\"epoch\": 3"), std::string::npos);
}

TEST(LocalBackendConcurrency, ManyShortTrialsDeliverAllOutput) {
  TrialRig s;
  constexpr int kTrials = 50, kWorkers = 8;
  std::vector<BackendEvent> all;
  int started = 0, ended = 0;
  const double deadline = s.backend->now() + 20.0;
  while (ended < kTrials && s.backend->now() < deadline) {
    // Refill free workers right after each batch, as the tuner does: spawns then overlap
    // with exits of earlier trials (descriptor numbers and Proc memory get recycled).
    while (started < kTrials && started - ended < kWorkers) {
      s.backend->start(started, {{"x", started}}, std::nullopt);
      ++started;
    }
    for (auto& e : s.backend->wait(deadline)) {
      if (e.kind == Kind::kCompleted || e.kind == Kind::kFailed) ++ended;
      all.push_back(std::move(e));
    }
  }
  ASSERT_EQ(ended, kTrials);
  for (TrialId id = 0; id < kTrials; ++id) expect_complete_output(all, id, s.backend->trial_path(id));
}

// A process holding copies of the backend's descriptors (here a forked helper, in real life
// a child between its spawn and its close-on-exec) kept closed descriptors registered in
// epoll; their events then hit the next trial and lost its output.
TEST(LocalBackendConcurrency, ForeignDescriptorCopiesDoNotMisfireOnLaterTrials) {
  TrialRig s;
  s.backend->start(0, {{"x", 0}}, std::nullopt);
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  const pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {  // holds every descriptor until the test closes the gate
    ::close(gate[1]);
    char c;
    while (::read(gate[0], &c, 1) < 0) {
    }
    ::_exit(0);
  }
  ::close(gate[0]);
  auto ev = collect(*s.backend, testing_local::ended(1));
  expect_complete_output(ev, 0, s.backend->trial_path(0));
  for (TrialId id = 1; id <= 6; ++id) {  // sequential: each reuses the freed numbers / memory
    s.backend->start(id, {{"x", id}}, std::nullopt);
    auto e = collect(*s.backend, testing_local::ended(1));
    expect_complete_output(e, id, s.backend->trial_path(id));
  }
  ::close(gate[1]);
  int st = 0;
  EXPECT_EQ(::waitpid(holder, &st, 0), holder);
}

}  // namespace
}  // namespace synetune
