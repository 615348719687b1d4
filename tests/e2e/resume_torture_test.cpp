// Torture test of `synetune resume` on the local backend: the tuner is killed with SIGKILL at
// random moments, for every scheduler that pauses and resumes (or warm-starts) trials, and
// resumed, the resume itself killed again at random (chains of kill -> resume), sometimes with
// tuner.json deleted or truncated (the journal alone is replayed). Every resume must finish
// with exit status 0, and every result the journal held at a kill must be in the final
// journal and results.csv.zip exactly once, with unique trial ids and, per trial, strictly
// increasing epochs.
//
// SYNETUNE_TORTURE_KILLS sets the number of kills (default 12; the figure is >= 50),
// SYNETUNE_TORTURE_SEED the seed of the random moments (default 1). A failure names the
// scheduler, the seed and every kill's delay and damage, which reproduce it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "e2e/e2e_util.hpp"

namespace synetune::e2e {
namespace {

struct Method {
  std::string name;
  std::vector<std::string> flags;
};

const std::vector<Method>& methods() {
  static const std::vector<Method> m = {
      {"ASHA-promotion", {"--method", "ASHA", "--type", "promotion", "--grace-period", "1", "--reduction-factor", "3"}},
      {"Hyperband-promotion",
       {"--method", "Hyperband", "--type", "promotion", "--grace-period", "1", "--reduction-factor", "3"}},
      {"PBT", {"--method", "PBT", "--population-size", "4", "--perturbation-interval", "2"}},
      {"SyncHyperband", {"--method", "SyncHyperband", "--grace-period", "1", "--reduction-factor", "3"}},
      {"MOBSTER-promotion",
       {"--method", "MOBSTER", "--type", "promotion", "--grace-period", "1", "--reduction-factor", "3"}},
  };
  return m;
}

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

std::vector<std::string> tune_args(const Method& m, const std::string& name, const fs::path& root, long seed) {
  std::vector<std::string> a = {
      "tune", "--entry-point", script("fast_checkpoint.py").string(), "--python", "/usr/bin/python3",
      "--quiet", "--param", "lr=uniform(0.01,0.5)", "--param", "num_epochs=9", "--param",
      "sleep_time=0.02", "--max-resource-attr", "num_epochs", "--metric", "train_acc", "--mode", "max",
      "--n-workers", "2", "--max-num-trials-started", "12", "--seed", std::to_string(seed),
      "--tuner-name", name, "--experiment-root", root.string(), "--results-update-interval", "0.2",
      "--kill-grace-period", "1"};
  a.insert(a.end(), m.flags.begin(), m.flags.end());
  return a;
}

// Waits for `pid` for up to `seconds`, polling; true if it exited (then `run` holds its outcome).
bool wait_for(pid_t pid, double seconds, const fs::path& root, CliRun& run) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      run.out = read_file(root / "cli.out");
      run.err = read_file(root / "cli.err");
      return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// What a kill leaves behind besides the journal: the checkpoint as it was, none, or cut short.
enum class Damage { kNone, kDeleteCheckpoint, kTruncateCheckpoint };
const char* to_string(Damage d) {
  return d == Damage::kNone ? "-" : d == Damage::kDeleteCheckpoint ? "tuner.json deleted" : "tuner.json truncated";
}

void damage(const fs::path& exp, Damage d, std::mt19937_64& rng) {
  const fs::path cp = exp / "tuner.json";
  if (d == Damage::kDeleteCheckpoint) fs::remove(cp);
  if (d == Damage::kTruncateCheckpoint && fs::exists(cp))
    fs::resize_file(cp, std::uniform_int_distribution<std::uintmax_t>(0, fs::file_size(cp))(rng));
}

// Checks of the final experiment: every result held at a kill is there once, nothing twice.
void check_final(const fs::path& exp, const std::multiset<std::pair<long, long>>& at_kills) {
  const auto results = journal_results(exp);
  EXPECT_EQ(table_results(exp), results) << "results.csv.zip differs from the journal";
  for (const auto& r : at_kills)
    EXPECT_EQ(results.count(r), 1u) << "trial " << r.first << " epoch " << r.second << " lost or repeated";
  for (auto it = results.begin(); it != results.end(); it = results.upper_bound(*it))
    EXPECT_EQ(results.count(*it), 1u) << "trial " << it->first << " epoch " << it->second << " reported twice";
  std::map<long, long> last_epoch;
  for (const auto& j : journal(exp, "result")) {
    const long id = j["trial_id"].get<long>(), epoch = std::lround(j["result"]["epoch"].get<double>());
    const auto [it, fresh] = last_epoch.try_emplace(id, epoch);
    if (!fresh) {
      EXPECT_LT(it->second, epoch) << "trial " << id << ": epochs not increasing";
    }
    it->second = epoch;
  }
  std::vector<long> ids;
  for (const auto& j : journal(exp, "trial_start"))
    if (!j.value("resumed", false)) ids.push_back(j["trial_id"].get<long>());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<long>(i)) << "trial ids not unique";
  const auto all = journal(exp);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back()["event"], "tuning_end") << "the last resume did not end the tuning";
}

// A resume's stderr must show a consistent replay: no divergence, no skipped resume.
// Returns whether it replayed the journal alone (tuner.json missing or unusable).
bool check_resume_output(const CliRun& run) {
  EXPECT_EQ(run.err.find("did not do what the journal says"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("not paused"), std::string::npos) << run.err;
  return run.err.find("cannot use the tuner checkpoint") != std::string::npos;
}

// Polls until the experiment's journal exists (the tuner is set up) or `pid` exits.
void wait_for_journal(pid_t pid, const fs::path& exp) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(exp / "journal.jsonl") && std::chrono::steady_clock::now() < give_up) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0)
      return;  // exited (left to be reaped by the caller)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST(ResumeTorture, RandomSigkillsAcrossPauseResumeSchedulersLoseAndRepeatNoResult) {
  const long kills_wanted = env_long("SYNETUNE_TORTURE_KILLS", 12);
  const long seed = env_long("SYNETUNE_TORTURE_SEED", 1);
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  std::map<std::string, int> kills_per_method;
  long kills = 0, journal_only = 0;
  TempRoot root;
  for (long chain = 0; kills < kills_wanted; ++chain) {
    ASSERT_LT(chain, 4 * kills_wanted + 10) << "the runs end before the kills land: delays too long";
    const Method& m = methods()[static_cast<std::size_t>(chain) % methods().size()];
    const std::string name = "chain" + std::to_string(chain);
    const fs::path exp = root.path() / name;
    std::string history = m.name + ", SYNETUNE_TORTURE_SEED=" + std::to_string(seed) + ", chain " +
                          std::to_string(chain) + ":";
    std::set<std::pair<long, long>> at_kills;
    // 1-3 kills, of the tuning and then of its resumes; a last resume runs to the end.
    const int chain_kills = std::uniform_int_distribution<int>(1, 3)(rng);
    pid_t pid = spawn_cli(tune_args(m, name, root.path(), chain), root.path());
    for (int k = 0;; ++k) {
      CliRun run;
      if (k >= chain_kills || kills >= kills_wanted) {
        if (!wait_for(pid, 120, root.path(), run)) {
          ::kill(pid, SIGKILL);
          wait_cli(pid, root.path());
          FAIL() << history << " the last resume did not finish in 120 s";
        }
        ASSERT_EQ(run.exit_code, 0) << history << "\n" << run.err;
        journal_only += check_resume_output(run);
        break;
      }
      const double delay = std::uniform_real_distribution<double>(0.0, 1.5)(rng);
      const auto dmg = static_cast<Damage>(std::uniform_int_distribution<int>(0, 2)(rng));
      wait_for_journal(pid, exp);
      if (wait_for(pid, delay, root.path(), run)) {  // it ended before the kill was due
        ASSERT_EQ(run.exit_code, 0) << history << "\n" << run.err;
        if (k > 0) journal_only += check_resume_output(run);
        history += " [ended before " + std::to_string(delay) + " s]";
        break;
      }
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      run = wait_cli(pid, root.path());
      if (k > 0) journal_only += check_resume_output(run);
      ++kills;
      ++kills_per_method[m.name];
      for (const auto& r : journal_results(exp)) at_kills.insert(r);
      damage(exp, dmg, rng);
      history += " [kill " + std::to_string(delay) + " s after the journal appeared, " + to_string(dmg) + "]";
      pid = spawn_cli({"resume", name, "--root", root.path().string(), "--quiet"}, root.path());
    }
    check_final(exp, std::multiset<std::pair<long, long>>(at_kills.begin(), at_kills.end()));
    if (HasFailure()) {
      ADD_FAILURE() << "reproduce with " << history;
      return;
    }
  }
  std::string summary;
  for (const auto& [method, n] : kills_per_method) summary += " " + method + "=" + std::to_string(n);
  std::cout << "[torture] " << kills << " kills (" << journal_only << " resumes replayed the journal alone), "
            << "every resume finished, every result once:" << summary << "\n";
}

}  // namespace
}  // namespace synetune::e2e
