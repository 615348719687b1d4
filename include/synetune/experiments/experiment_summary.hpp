#pragma once
/// Text views of experiments for `synetune show` and `synetune list`.
#include <string>
#include <vector>

#include "synetune/experiments/experiment_result.hpp"

namespace synetune {

/// Multi-line summary: status, trials by state, best config and metric, time used, the
/// user's metadata. `now` is the current UNIX time (for "last update N s ago").
std::string experiment_summary(const ExperimentResult& r, double now);

/// Table with one line per experiment: name, status, #trials, best metric, created (UTC).
std::string experiment_table(const std::vector<ExperimentResult>& experiments, double now);

/// "YYYY-MM-DD HH:MM:SS" (UTC) of a UNIX time.
std::string format_utc(double unix_time);

}  // namespace synetune
