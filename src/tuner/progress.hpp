#pragma once
// The live progress line (stderr) and the final summary table (stdout).
#include <chrono>

#include "synetune/tuner/tuner.hpp"
#include "tuner/tuner_state.hpp"

namespace synetune {

class ProgressPrinter {
 public:
  ProgressPrinter(bool enabled, double interval, bool simulated);
  /// Tuner time at which the next line is due (infinity when simulated: simulation must not
  /// wake up for printing; lines are then rate-limited by real time).
  double next_due() const;
  void maybe_print(double t, const TunerState& state, const ProblemSpec& problem);
  void finish(const TuningSummary& summary, const TunerState& state, const ProblemSpec& problem,
              bool print_summary);

 private:
  void print_line(double t, const TunerState& state, const ProblemSpec& problem);
  bool enabled_;
  double interval_;
  bool simulated_;
  bool tty_;
  double last_ = -1e300;
  std::chrono::steady_clock::time_point last_real_;
  bool printed_ = false;
};

}  // namespace synetune
