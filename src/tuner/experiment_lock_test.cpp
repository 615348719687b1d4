#include "synetune/tuner/experiment_lock.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace synetune {
namespace {
namespace fs = std::filesystem;

class ExperimentLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("synetune-lock-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// Forks a child that tries the lock: its exit code says what happened (0 locked, 1 refused
// with ExperimentLocked, 2 another error).
int try_lock_in_child(const fs::path& dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 2;
    try {
      ExperimentLock lock = ExperimentLock::acquire(dir);
      code = 0;
    } catch (const ExperimentLocked&) {
      code = 1;
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A child that takes the lock (and, with `spawn_sleep`, starts `sleep 30` as a trial would),
// reports through a pipe, then waits to be killed. Returns its pid; *sleeper gets the sleep's.
pid_t spawn_holder(const fs::path& dir, bool spawn_sleep, pid_t* sleeper = nullptr) {
  int p[2];
  if (::pipe(p) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    try {
      ExperimentLock lock = ExperimentLock::acquire(dir);
      pid_t s = 0;
      if (spawn_sleep) {
        // `exec_done` reads EOF once the sleep has exec'd (its end is close-on-exec): until
        // then the forked child still shares every descriptor, the lock's included.
        int exec_done[2];
        if (::pipe2(exec_done, O_CLOEXEC) != 0) ::_exit(4);
        if ((s = ::fork()) == 0) {
          ::setsid();  // like a trial's own process group: it survives its tuner
          ::execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
          ::_exit(127);
        }
        ::close(exec_done[1]);
        char c;
        while (::read(exec_done[0], &c, 1) > 0) {
        }
      }
      (void)!::write(p[1], &s, sizeof s);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(3);
    }
  }
  ::close(p[1]);
  pid_t s = 0;
  const bool ok = ::read(p[0], &s, sizeof s) == static_cast<ssize_t>(sizeof s);
  ::close(p[0]);
  if (sleeper) *sleeper = s;
  return ok ? pid : -1;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST_F(ExperimentLockTest, ASecondLockInAnotherProcessFails) {
  ExperimentLock lock = ExperimentLock::acquire(dir_);
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(lock.folder(), dir_);
  EXPECT_EQ(try_lock_in_child(dir_), 1);
  lock.release();
  EXPECT_FALSE(lock.held());
  EXPECT_EQ(try_lock_in_child(dir_), 0);
}

// Two tuners in one process (the benchmark runner's threads, a test) exclude each other too.
TEST_F(ExperimentLockTest, ASecondLockInTheSameProcessFails) {
  ExperimentLock lock = ExperimentLock::acquire(dir_);
  EXPECT_THROW(ExperimentLock::acquire(dir_), ExperimentLocked);
  ExperimentLock moved = std::move(lock);
  EXPECT_FALSE(lock.held());
  EXPECT_THROW(ExperimentLock::acquire(dir_), ExperimentLocked);
  moved = ExperimentLock();  // move-assigning releases the old lock
  EXPECT_NO_THROW(ExperimentLock::acquire(dir_));
}

TEST_F(ExperimentLockTest, TheMessageNamesTheFolderAndTheHoldersPid) {
  const pid_t holder = spawn_holder(dir_, false);
  ASSERT_GT(holder, 0);
  EXPECT_EQ(ExperimentLock::recorded_pid(dir_), holder);
  try {
    ExperimentLock::acquire(dir_);
    ADD_FAILURE() << "the second lock was granted";
  } catch (const ExperimentLocked& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(dir_.string()), std::string::npos) << m;
    EXPECT_NE(m.find("another tuner (pid " + std::to_string(holder) + ")"), std::string::npos) << m;
    EXPECT_NE(m.find("synetune resume " + dir_.filename().string()), std::string::npos) << m;
  }
  kill_and_reap(holder);
}

TEST_F(ExperimentLockTest, ReleasedWhenTheHolderIsKilled) {
  const pid_t holder = spawn_holder(dir_, false);
  ASSERT_GT(holder, 0);
  EXPECT_EQ(try_lock_in_child(dir_), 1);
  kill_and_reap(holder);
  // The lock file stays, with the dead holder's pid: neither blocks.
  EXPECT_TRUE(fs::exists(dir_ / ExperimentLock::kFileName));
  EXPECT_EQ(ExperimentLock::recorded_pid(dir_), holder);
  ExperimentLock lock = ExperimentLock::acquire(dir_);
  EXPECT_EQ(ExperimentLock::recorded_pid(dir_), ::getpid());
}

// A trial started by the holder outlives it (its own session) and must not keep the lock.
TEST_F(ExperimentLockTest, TrialsOfAKilledTunerDoNotKeepTheLock) {
  pid_t sleeper = 0;
  const pid_t holder = spawn_holder(dir_, true, &sleeper);
  ASSERT_GT(holder, 0);
  ASSERT_GT(sleeper, 0);
  kill_and_reap(holder);
  // The sleeper was re-parented; it is still running.
  EXPECT_EQ(::kill(sleeper, 0), 0);
  EXPECT_EQ(try_lock_in_child(dir_), 0);
  ::kill(sleeper, SIGKILL);
}

TEST_F(ExperimentLockTest, ALockFileThatMerelyExistsDoesNotBlock) {
  std::ofstream(dir_ / ExperimentLock::kFileName) << "12345\n";
  ExperimentLock lock = ExperimentLock::acquire(dir_);
  EXPECT_TRUE(lock.held());
  lock.release();
  EXPECT_TRUE(fs::exists(dir_ / ExperimentLock::kFileName)) << "the file is never deleted";
  EXPECT_EQ(ExperimentLock::recorded_pid(dir_), 0) << "a released lock leaves no pid";
}

TEST_F(ExperimentLockTest, ALinkedLockFileIsRefusedAndItsTargetUntouched) {
  const fs::path target = dir_ / "precious.txt";
  std::ofstream(target) << "keep me\n";
  fs::create_symlink(target, dir_ / ExperimentLock::kFileName);
  EXPECT_THROW(ExperimentLock::acquire(dir_), StorageError);
  std::ifstream in(target);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");
}

TEST_F(ExperimentLockTest, AMissingFolderIsAStorageError) {
  EXPECT_THROW(ExperimentLock::acquire(dir_ / "nope"), StorageError);
}

}  // namespace
}  // namespace synetune
