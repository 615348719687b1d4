// LocalBackend latency and throughput.
//
//   local_latency_bench [--lines N] [--trials N] [--dir FOLDER]
//
// Trial folders go under FOLDER (default: the temp directory). Creating them dominates the
// cost per trial on a busy disk; compare with a tmpfs (--dir /dev/shm) to see the backend alone.
//
// 1. Latency: a trial (this binary re-run with --child) prints N metric lines, each carrying
//    its own CLOCK_MONOTONIC time, 2 ms apart; we measure print -> wait() returning it.
// 2. Throughput: trials that echo one metric line and exit (a /bin/sh script), 4 at a time;
//    trials/s and this process's CPU time (user + sys) per trial.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "synetune/backends/local_backend.hpp"

namespace fs = std::filesystem;
using synetune::BackendEvent;

namespace {

double mono() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

int child_main(int lines) {
  for (int i = 0; i < lines; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::printf("[tune-metric]: {\"i\": %d, \"t_mono\": %.9f}\n", i, mono());
    std::fflush(stdout);
  }
  return 0;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int lines = arg_int(argc, argv, "--lines", 300);
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--child") == 0) return child_main(lines);
  const int trials = arg_int(argc, argv, "--trials", 400);

  fs::path base = fs::temp_directory_path();
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--dir") == 0) base = argv[i + 1];
  std::string tmpl = (base / "synetune-bench-XXXXXX").string();
  const fs::path tmp = ::mkdtemp(tmpl.data());

  // 1. Latency.
  {
    synetune::LocalBackendOptions opt;
    opt.entry_point = fs::read_symlink("/proc/self/exe");
    opt.visible_gpus_override = std::vector<int>{};
    synetune::LocalBackend b(opt);
    b.set_tuner_path(tmp / "latency");
    b.start(0, {{"child", 1}, {"lines", lines}}, std::nullopt);
    std::vector<double> lat;
    bool done = false;
    while (!done) {
      auto ev = b.wait(b.now() + 30.0);
      const double t = mono();
      if (ev.empty()) break;
      for (const auto& e : ev) {
        if (e.kind == BackendEvent::Kind::kResult) lat.push_back((t - e.result.get("t_mono")) * 1e3);
        else done = true;
      }
    }
    if (lat.empty()) {
      std::fprintf(stderr, "no results\n");
      return 1;
    }
    std::printf("latency print->wait(): n=%zu median=%.3f ms p90=%.3f ms max=%.3f ms\n", lat.size(),
                percentile(lat, 0.5), percentile(lat, 0.9), percentile(lat, 1.0));
  }

  // 2. Throughput of echo-once trials with 4 workers.
  {
    const fs::path script = tmp / "echo.sh";
    std::ofstream(script) << "#!/bin/sh\necho '[tune-metric]: {\"loss\": 1.0}'\n";
    fs::permissions(script, fs::perms::owner_all);
    synetune::LocalBackendOptions opt;
    opt.entry_point = script;
    opt.visible_gpus_override = std::vector<int>{};
    synetune::LocalBackend b(opt);
    b.set_tuner_path(tmp / "throughput");
    const double cpu0 = cpu_seconds(), t0 = mono();
    int started = 0, finished = 0, results = 0;
    for (; started < 4; ++started) b.start(started, {{"x", started}}, std::nullopt);
    while (finished < trials) {
      for (const auto& e : b.wait(b.now() + 30.0)) {
        if (e.kind == BackendEvent::Kind::kResult) {
          ++results;
          continue;
        }
        ++finished;
        if (started < trials) b.start(started, {{"x", started}}, std::nullopt), ++started;
      }
    }
    const double wall = mono() - t0, cpu = cpu_seconds() - cpu0;
    std::printf("throughput: %d echo trials (4 workers) in %.2f s = %.0f trials/s; "
                "backend CPU %.3f ms/trial; results %d\n",
                trials, wall, trials / wall, cpu * 1e3 / trials, results);
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return 0;
}
