#pragma once
// Helpers for end-to-end tests: run the real `synetune` binary in a fresh experiment root.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune::e2e {
namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline fs::path source_dir() { return SYNETUNE_SOURCE_DIR; }
inline fs::path script(const std::string& name) { return source_dir() / "tests/e2e/scripts" / name; }

struct CliRun {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

/// A temporary experiment root, removed at the end of the test.
class TempRoot {
 public:
  TempRoot() {
    path_ = fs::temp_directory_path() / ("synetune-e2e-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter()++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempRoot() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  /// The single experiment folder under the root.
  fs::path experiment() const {
    for (const auto& e : fs::directory_iterator(path_))
      if (e.is_directory()) return e.path();
    return {};
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  fs::path path_;
};

/// Starts the CLI with `args`; stdout/stderr go to files under `root`. Returns the pid.
inline pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& root) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SYNETUNE_FOLDER", root.c_str(), 1);
    int out = ::open((root / "cli.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open((root / "cli.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    std::string cli = SYNETUNE_CLI;
    argv.push_back(cli.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(cli.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

inline CliRun wait_cli(pid_t pid, const fs::path& root) {
  CliRun r;
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(root / "cli.out");
  r.err = read_file(root / "cli.err");
  return r;
}

inline CliRun run_cli(const std::vector<std::string>& args, const fs::path& root) {
  auto t0 = std::chrono::steady_clock::now();
  CliRun r = wait_cli(spawn_cli(args, root), root);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// The "training epoch k" lines of a trial's std.out (examples/checkpoint_example.py), in order.
inline std::vector<int> trained_epochs(const fs::path& trial_dir) {
  std::vector<int> out;
  std::istringstream in(read_file(trial_dir / "std.out"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("training epoch ", 0) == 0) out.push_back(std::stoi(line.substr(15)));
  return out;
}

inline std::vector<Json> journal(const fs::path& experiment, const std::string& event = "") {
  std::vector<Json> lines;
  read_journal(experiment / "journal.jsonl", [&](const Json& j) {
    if (event.empty() || j["event"] == event) lines.push_back(j);
  });
  return lines;
}

/// (trial_id, epoch) of every result line in the journal.
inline std::multiset<std::pair<long, long>> journal_results(const fs::path& exp) {
  std::multiset<std::pair<long, long>> out;
  for (const auto& j : journal(exp, "result"))
    out.insert({j["trial_id"].get<long>(), std::lround(j["result"]["epoch"].get<double>())});
  return out;
}

/// (trial_id, epoch) of every row of results.csv.zip.
inline std::multiset<std::pair<long, long>> table_results(const fs::path& exp) {
  std::istringstream in(read_zip_entry(exp / "results.csv.zip"));
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::stringstream ss(l);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    return cells;
  };
  const auto header = split(line);
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t ti = col("trial_id"), ei = col("epoch");
  std::multiset<std::pair<long, long>> out;
  if (ti >= header.size() || ei >= header.size()) return out;
  while (std::getline(in, line)) {
    const auto cells = split(line);
    if (cells.size() == header.size())
      out.insert({std::stol(cells[ti]), std::lround(std::stod(cells[ei]))});
  }
  return out;
}

}  // namespace synetune::e2e
