#pragma once
// Helpers for the LocalBackend tests: a temporary folder with shell scripts, and a loop that
// collects backend events until a predicate holds (event-driven, bounded).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "synetune/backends/local_backend.hpp"

namespace synetune::testing_local {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "synetune-local-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  /// Writes an executable file.
  std::filesystem::path script(const std::string& name, const std::string& body,
                               bool executable = true) const {
    auto p = path_ / name;
    std::ofstream(p) << body;
    ::chmod(p.c_str(), executable ? 0755 : 0644);
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Waits for events until `done(events)` or `timeout` seconds of backend time.
inline std::vector<BackendEvent> collect(
    Backend& b, const std::function<bool(const std::vector<BackendEvent>&)>& done,
    double timeout = 5.0, double slice = 0.0) {
  std::vector<BackendEvent> all;
  const double deadline = b.now() + timeout;
  while (!done(all) && b.now() < deadline) {
    // `slice` > 0 when `done` watches something other than events (wait() only returns early
    // for events).
    auto ev = b.wait(slice > 0 ? std::min(deadline, b.now() + slice) : deadline);
    all.insert(all.end(), ev.begin(), ev.end());
  }
  return all;
}

inline int count_kind(const std::vector<BackendEvent>& ev, BackendEvent::Kind k, TrialId id = -1) {
  int n = 0;
  for (const auto& e : ev)
    if (e.kind == k && (id < 0 || e.trial_id == id)) ++n;
  return n;
}

/// Done when `n` trials ended (completed or failed).
inline std::function<bool(const std::vector<BackendEvent>&)> ended(int n) {
  return [n](const std::vector<BackendEvent>& ev) {
    return count_kind(ev, BackendEvent::Kind::kCompleted) + count_kind(ev, BackendEvent::Kind::kFailed) >= n;
  };
}

}  // namespace synetune::testing_local
