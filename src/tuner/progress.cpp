#include "tuner/progress.hpp"

#include <unistd.h>


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace synetune {

ProgressPrinter::ProgressPrinter(bool enabled, double interval, bool simulated)
    : enabled_(enabled && interval > 0), interval_(interval), simulated_(simulated),
      tty_(::isatty(STDERR_FILENO) != 0), last_real_(std::chrono::steady_clock::now()) {
  // Without a terminal, a line per 10 s at most keeps logs readable.
  if (!tty_) interval_ = std::max(interval_, 10.0);
}

double ProgressPrinter::next_due() const {
  if (!enabled_ || simulated_) return std::numeric_limits<double>::infinity();
  return last_ + interval_;
}

void ProgressPrinter::maybe_print(double t, const TunerState& state, const ProblemSpec& problem) {
  if (!enabled_) return;
  if (simulated_) {
    auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_real_).count() < interval_) return;
    last_real_ = now;
  } else if (t < last_ + interval_) {
    return;
  }
  last_ = t;
  print_line(t, state, problem);
}

void ProgressPrinter::print_line(double t, const TunerState& state, const ProblemSpec& problem) {
  const auto& s = state.status;
  std::ostringstream os;
  os << "[synetune] " << (simulated_ ? "sim " : "") << static_cast<long long>(t) << "s | trials "
     << s.num_trials_started << ": " << s.num_trials_running << " running, " << s.num_trials_paused
     << " paused, " << s.num_trials_completed << " completed, " << s.num_trials_stopped
     << " stopped, " << s.num_trials_failed << " failed | " << s.num_evaluations << " results";
  if (auto best = state.best_trial(problem))
    os << " | best " << problem.metric << " " << best->second << " (trial "
       << best->first->trial.trial_id << ")";
  std::string line = os.str();
  if (tty_) std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

void ProgressPrinter::finish(const TuningSummary& summary, const TunerState& state,
                             const ProblemSpec& problem, bool print_summary) {
  if (enabled_ && printed_ && tty_) std::fprintf(stderr, "\n");
  if (!print_summary) return;
  const auto& s = summary.status;
  std::printf("\nTuning %s finished: %s\n", summary.tuner_name.c_str(), summary.stop_reason.c_str());
  std::printf("  %lld trials (%lld completed, %lld stopped, %lld paused, %lld failed), %lld results, "
              "%.1f s%s\n",
              static_cast<long long>(s.num_trials_started),
              static_cast<long long>(s.num_trials_completed),
              static_cast<long long>(s.num_trials_stopped),
              static_cast<long long>(s.num_trials_paused),
              static_cast<long long>(s.num_trials_failed), static_cast<long long>(s.num_evaluations),
              s.wallclock_time, simulated_ ? " (simulated)" : "");
  std::printf("  results: %s\n", summary.tuner_path.string().c_str());
  std::printf("  tuner CPU time: %.3f s (%.3f ms per trial)\n", summary.tuner_cpu_seconds,
              s.num_trials_started ? 1000.0 * summary.tuner_cpu_seconds / s.num_trials_started : 0.0);
  // Top trials by their best value of the main metric.
  std::vector<const TrialRecord*> ranked;
  for (const auto& r : state.trials())
    if (!std::isnan(r.best)) ranked.push_back(&r);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const TrialRecord* a, const TrialRecord* b) { return a->best < b->best; });
  if (ranked.empty()) {
    std::printf("  no trial reported %s\n", problem.metric.c_str());
    return;
  }
  std::printf("\n  %-8s %-10s %8s %14s  %s\n", "trial_id", "status", "results",
              (problem.metric + " (" + to_string(problem.mode) + ")").c_str(), "config");
  for (std::size_t i = 0; i < std::min<std::size_t>(ranked.size(), 5); ++i) {
    const auto* r = ranked[i];
    std::printf("  %-8lld %-10s %8lld %14.6g  %s\n", static_cast<long long>(r->trial.trial_id),
                to_string(r->trial.status).c_str(), static_cast<long long>(r->num_results),
                problem.sign() * r->best, dump_json_python(r->trial.config).c_str());
  }
  std::printf("\nBest config (trial %lld, %s = %.6g):\n  %s\n",
              static_cast<long long>(summary.best_trial_id), problem.metric.c_str(),
              summary.best_metric, summary.best_config.dump().c_str());
  std::fflush(stdout);
}

}  // namespace synetune
