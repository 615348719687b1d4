#include "synetune/backends/local_backend.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "backends/local/local_test_util.hpp"
#include "backends/local/process.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {
using testing_local::collect;
using testing_local::count_kind;
using testing_local::ended;
using testing_local::read_text;
using testing_local::TempDir;
using Kind = BackendEvent::Kind;
namespace fs = std::filesystem;

struct Fixture {
  TempDir tmp;
  std::unique_ptr<LocalBackend> backend;
  explicit Fixture(const std::string& body, LocalBackendOptions opt = {}) {
    opt.entry_point = tmp.script("train.sh", "#!/bin/sh\n" + body);
    if (!opt.visible_gpus_override) opt.visible_gpus_override = std::vector<int>{};
    backend = std::make_unique<LocalBackend>(opt);
    backend->set_tuner_path(tmp.path() / "exp");
  }
  fs::path trial(TrialId id) const { return backend->trial_path(id); }
};

TEST(LocalBackend, PassesArgvWithoutShellQuoting) {
  Fixture f("for a in \"$@\"; do echo \"ARG:$a\"; done\n");
  Config c = {{"lr", 1e-05}, {"name", "a b  c"}, {"neg", -3}, {"layers", Json::array({1, 2})},
              {"flag", false}};
  auto argv = f.backend->trial_argv(0, c);
  ASSERT_EQ(argv.size(), 13u);
  EXPECT_EQ(argv[0], (f.tmp.path() / "train.sh").string());
  EXPECT_EQ(argv[4], "a b  c");
  f.backend->start(0, c, std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  ASSERT_EQ(count_kind(ev, Kind::kCompleted, 0), 1);
  std::string expected = "ARG:--lr\nARG:1e-05\nARG:--name\nARG:a b  c\nARG:--neg\nARG:-3\n"
                         "ARG:--layers\nARG:[1,2]\nARG:--flag\nARG:False\nARG:--st_checkpoint_dir\nARG:" +
                         (f.trial(0) / "checkpoints").string() + "\n";
  EXPECT_EQ(read_text(f.trial(0) / "std.out"), expected);
  EXPECT_EQ(read_text(f.trial(0) / "config.json"),
            R"({"lr": 1e-05, "name": "a b  c", "neg": -3, "layers": [1, 2], "flag": false})");
  EXPECT_TRUE(fs::exists(f.trial(0) / "end"));
}

TEST(LocalBackend, MetricLineArrivesAsResultThenCompletion) {
  Fixture f("echo hello\necho '[tune-metric]: {\"epoch\": 1, \"loss\": 0.5, \"st_worker_timestamp\": 12.5}'\n"
            "echo err >&2\n");
  f.backend->start(7, {{"x", 1}}, std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kResult);
  EXPECT_EQ(ev[0].trial_id, 7);
  EXPECT_EQ(ev[0].result.get("epoch"), 1.0);
  EXPECT_EQ(ev[0].result.get("loss"), 0.5);
  EXPECT_EQ(ev[0].result.get("st_worker_timestamp"), 12.5);
  EXPECT_EQ(ev[1].kind, Kind::kCompleted);
  EXPECT_LE(ev[0].time, ev[1].time);
  EXPECT_EQ(read_text(f.trial(7) / "std.err"), "err\n");
  EXPECT_NE(read_text(f.trial(7) / "std.out").find("hello\n"), std::string::npos);
}

TEST(LocalBackend, SkipsGarbageAndHugeLinesButKeepsGoodOnes) {
  Fixture f("echo '[tune-metric]: {\"bad\": '\n"
            "echo '[tune-metric]: {\"bad\": }'\n"
            "echo '[tune-metric]: [1, 2]'\n"
            "printf '[tune-metric]: {\"big\": \"'; head -c 1000000 /dev/zero | tr '\\0' x; echo '\"}'\n"
            "echo 'noise [tune-metric]: {\"good\": 2, \"nan\": NaN, \"inf\": -Infinity}'\n");
  ::testing::internal::CaptureStderr();
  f.backend->start(0, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(count_kind(ev, Kind::kResult), 1) << err;
  EXPECT_EQ(ev[0].result.get("good"), 2.0);
  EXPECT_TRUE(std::isnan(ev[0].result.get("nan")));
  EXPECT_EQ(ev[0].result.get("inf"), -INFINITY);
  EXPECT_EQ(count_kind(ev, Kind::kCompleted), 1);
  EXPECT_NE(err.find("trial 0: skipped a metric line that holds no JSON object"), std::string::npos);
  EXPECT_NE(err.find("trial 0: skipped a malformed metric line"), std::string::npos) << err;
  EXPECT_NE(err.find("trial 0: skipped a metric line longer than 50000 bytes"), std::string::npos);
  EXPECT_GT(fs::file_size(f.trial(0) / "std.out"), 1000000u);  // logs keep everything
}

TEST(LocalBackend, CrashIsFailedWithExitCodeAndStderrTail) {
  Fixture f("i=0; while [ $i -lt 30 ]; do echo \"line $i\" >&2; i=$((i+1)); done\n"
            "echo 'Traceback: boom' >&2\nexit 3\n");
  f.backend->start(0, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kFailed);
  EXPECT_NE(ev[0].reason.find("exit code 3"), std::string::npos) << ev[0].reason;
  EXPECT_NE(ev[0].reason.find("Traceback: boom"), std::string::npos);
  EXPECT_NE(ev[0].reason.find("line 29"), std::string::npos);
  EXPECT_EQ(ev[0].reason.find("line 5\n"), std::string::npos);  // only the tail
}

TEST(LocalBackend, KilledBySignalIsReported) {
  Fixture f("kill -9 $$\n");
  f.backend->start(0, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].reason.find("killed by signal 9"), std::string::npos) << ev[0].reason;
}

TEST(LocalBackend, SpawnFailureIsAFailedEvent) {
  TempDir tmp;
  LocalBackendOptions opt;
  opt.entry_point = tmp.script("train.sh", "#!/bin/sh\n", /*executable=*/false);
  opt.visible_gpus_override = std::vector<int>{};
  LocalBackend b(opt);
  b.set_tuner_path(tmp.path() / "exp");
  b.start(0, Json::object(), std::nullopt);
  auto ev = b.wait(b.now() + 1.0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kFailed);
  EXPECT_NE(ev[0].reason.find("could not start"), std::string::npos);
  opt.entry_point = tmp.path() / "missing.py";
  EXPECT_THROW(LocalBackend{opt}, InvalidArgument);
}

TEST(LocalBackend, StopKillsTermIgnoringProcessGroupAfterGrace) {
  LocalBackendOptions opt;
  opt.kill_grace_period = 0.2;
  Fixture f("trap '' TERM\nsleep 30 &\necho $! > \"$(dirname \"$0\")/child.pid\"\n"
            "echo '[tune-metric]: {\"epoch\": 1}'\nwait\n", opt);
  f.backend->start(0, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(count_kind(ev, Kind::kResult), 1);
  const pid_t child = std::stoi(read_text(f.tmp.path() / "child.pid"));
  int child_fd = local::open_pidfd(child);
  ASSERT_GE(child_fd, 0);
  const double t0 = f.backend->now();
  f.backend->stop(0);
  EXPECT_TRUE(fs::exists(f.trial(0) / "stop"));
  auto after = collect(*f.backend, [&](const auto&) { return f.backend->num_processes() == 0; }, 3.0, 0.01);
  EXPECT_GE(f.backend->now() - t0, 0.2);  // SIGTERM was ignored: only SIGKILL ended it
  EXPECT_TRUE(after.empty());             // the exit of a stopped trial is not an event
  pollfd pfd{child_fd, POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 2000), 1);  // the grandchild died too
  ::close(child_fd);
}

TEST(LocalBackend, PauseDropsLateResultsAndResumeAppends) {
  LocalBackendOptions opt;
  opt.kill_grace_period = 2.0;
  Fixture f("echo \"run $2\"\ntrap 'echo \"[tune-metric]: {\\\"late\\\": 1}\"; exit 0' TERM\n"
            "echo '[tune-metric]: {\"epoch\": 1}'\nsleep 30 & wait\n", opt);
  f.backend->start(0, {{"v", 1}}, std::nullopt);
  auto ev = collect(*f.backend, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(count_kind(ev, Kind::kResult, 0), 1);
  f.backend->pause(0);
  EXPECT_TRUE(fs::exists(f.trial(0) / "pause"));
  auto dropped =
      collect(*f.backend, [&](const auto&) { return f.backend->num_processes() == 0; }, 3.0, 0.01);
  EXPECT_TRUE(dropped.empty());
  EXPECT_NE(read_text(f.trial(0) / "std.out").find("late"), std::string::npos);  // logged only
  f.backend->resume(0, {{"v", 2}});
  EXPECT_FALSE(fs::exists(f.trial(0) / "pause"));
  auto ev2 = collect(*f.backend, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(count_kind(ev2, Kind::kResult, 0), 1);
  EXPECT_EQ(read_text(f.trial(0) / "config.json"), R"({"v": 2})");
  f.backend->stop_all();
  const std::string out = read_text(f.trial(0) / "std.out");
  EXPECT_NE(out.find("run 1\n"), std::string::npos);
  EXPECT_NE(out.find("run 2\n"), std::string::npos);
  EXPECT_EQ(f.backend->num_processes(), 0);
}

TEST(LocalBackend, WarmStartCopiesCheckpoints) {
  Fixture f("echo '[tune-metric]: {\"epoch\": 1}'\n");
  fs::create_directories(f.trial(0) / "checkpoints" / "sub");
  std::ofstream(f.trial(0) / "checkpoints" / "sub" / "model.txt") << "weights";
  f.backend->start(1, Json::object(), TrialId{0});
  auto ev = collect(*f.backend, ended(1));
  EXPECT_EQ(count_kind(ev, Kind::kCompleted, 1), 1);
  EXPECT_EQ(read_text(f.trial(1) / "checkpoints" / "sub" / "model.txt"), "weights");
}

TEST(LocalBackend, DeletesCheckpointsOfCompletedTrialsWhenAsked) {
  LocalBackendOptions opt;
  opt.delete_checkpoints = true;
  Fixture f("mkdir -p \"$2\"; echo x > \"$2/c\"; echo '[tune-metric]: {\"epoch\": 1}'\n", opt);
  f.backend->start(0, Json::object(), std::nullopt);
  collect(*f.backend, ended(1));
  EXPECT_FALSE(fs::exists(f.trial(0) / "checkpoints"));
}

TEST(GpuAllocator, PrefersFreeThenLeastUsedGpus) {
  GpuAllocator a(4, 2);
  EXPECT_EQ(a.allocate(), (std::vector<int>{0, 1}));
  EXPECT_EQ(a.allocate(), (std::vector<int>{2, 3}));
  a.release({0, 1});
  auto third = a.allocate();  // free ones first
  EXPECT_EQ(third, (std::vector<int>{0, 1}));
  a.release({2, 3});
  Json s = a.save_state();
  GpuAllocator b(4, 2);
  b.load_state(s);
  EXPECT_EQ(b.allocate(), (std::vector<int>{2, 3}));  // fewer past assignments than 0, 1
  EXPECT_EQ(b.allocate(), (std::vector<int>{0, 1}));  // the remaining free ones
  EXPECT_EQ(b.allocate(), (std::vector<int>{2, 3}));  // all busy: least used (2 vs 3 times)
}

TEST(LocalBackend, SetsCudaVisibleDevicesFromOverride) {
  LocalBackendOptions opt;
  opt.visible_gpus_override = std::vector<int>{0, 1, 2, 3};
  opt.num_gpus_per_trial = 2;
  Fixture f("echo \"[tune-metric]: {\\\"cuda\\\": \\\"${CUDA_VISIBLE_DEVICES-unset}\\\", "
            "\\\"omp\\\": \\\"$OMP_NUM_THREADS\\\", \\\"extra\\\": \\\"$MY_VAR\\\"}\"\nsleep 1\n", [&] {
              opt.extra_env["MY_VAR"] = "v";
              return opt;
            }());
  f.backend->start(0, Json::object(), std::nullopt);
  f.backend->start(1, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, [](const auto& e) { return count_kind(e, Kind::kResult) == 2; });
  ASSERT_EQ(count_kind(ev, Kind::kResult), 2);
  for (const auto& e : ev) {
    EXPECT_EQ(e.result.extra["cuda"], e.trial_id == 0 ? "0,1" : "2,3");
    EXPECT_EQ(e.result.extra["extra"], "v");
    if (!std::getenv("OMP_NUM_THREADS")) {
      EXPECT_EQ(e.result.extra["omp"], "1");
    }
  }
  f.backend->stop_all();
}

TEST(LocalBackend, NoCudaVariableWithFewerThanTwoGpus) {
  LocalBackendOptions opt;
  opt.visible_gpus_override = std::vector<int>{0, 1, 2};
  opt.gpus_to_use = {2};
  Fixture f("echo \"[tune-metric]: {\\\"cuda\\\": \\\"${CUDA_VISIBLE_DEVICES-unset}\\\"}\"\n", opt);
  ::setenv("CUDA_VISIBLE_DEVICES", "7", 1);
  f.backend->start(0, Json::object(), std::nullopt);
  auto ev = collect(*f.backend, ended(1));
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  ASSERT_EQ(count_kind(ev, Kind::kResult), 1);
  EXPECT_EQ(ev[0].result.extra["cuda"], "7");  // rotation off: environment untouched
}

}  // namespace
}  // namespace synetune

namespace synetune {
namespace {

// Alive and not a zombie (a reparented zombie may linger until init reaps it).
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z' &&
         stat[close + 2] != 'X';
}

TEST(LocalBackend, ResumeStopsTrialProcessesAKilledTunerLeftRunning) {
  TempDir tmp;
  LocalBackendOptions opt;
  opt.entry_point = tmp.script("train.sh", "#!/bin/sh\ntrap '' TERM\nsleep 30\n");
  opt.visible_gpus_override = std::vector<int>{};
  const fs::path exp = tmp.path() / "exp";
  // A tuner that dies without cleaning up (as with SIGKILL): its trial keeps running.
  const pid_t tuner = ::fork();
  ASSERT_GE(tuner, 0);
  if (tuner == 0) {
    LocalBackend b(opt);
    b.set_tuner_path(exp);
    b.start(0, Json{{"x", 1}}, std::nullopt);
    b.start(1, Json{{"x", 2}}, std::nullopt);
    ::_exit(0);  // no destructor: nothing is stopped
  }
  int status = 0;
  ASSERT_EQ(::waitpid(tuner, &status, 0), tuner);
  std::ifstream pid_file(exp / "0" / "pid");
  pid_t trial_pid = 0;
  ASSERT_TRUE(pid_file >> trial_pid) << "no pid file";
  ASSERT_TRUE(alive(trial_pid));
  // Trial 1's pid file names a process that is gone (or a reused pid): left alone.
  std::ofstream(exp / "1" / "pid") << ::getpid() << " 1\n";

  LocalBackend next(opt);
  next.set_tuner_path(exp);
  EXPECT_EQ(next.reattach({0, 1}), (std::vector<TrialId>{0, 1}));  // both to be restarted
  EXPECT_FALSE(alive(trial_pid)) << "the stale trial process survived the resume";
  EXPECT_TRUE(alive(::getpid()));
  // The whole process group went: the script's `sleep` child too.
  EXPECT_FALSE(local::group_has_live_member(trial_pid));
}

}  // namespace
}  // namespace synetune
