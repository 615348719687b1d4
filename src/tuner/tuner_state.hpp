#pragma once
// The tuner's bookkeeping: trial table, counters and best-so-far. Everything a tuner
// checkpoint needs, kept O(1) per event (no scan over all trials: long simulations stay linear).
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/core/result.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/tuner/stopping_criterion.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {

struct TrialRecord {
  Trial trial;
  std::int64_t num_results = 0;
  Result last_result;
  double best = std::numeric_limits<double>::quiet_NaN();  // best main-metric value, signed
  double max_cost = 0.0;
  std::string reason;
  /// Results whose resource is <= this are replays of epochs already reported (a trial
  /// restarted from scratch after a crash or resume) and are dropped. NaN = no floor.
  double resource_floor = std::numeric_limits<double>::quiet_NaN();
  double last_resource = std::numeric_limits<double>::quiet_NaN();
  bool reached_max_t = false;  ///< reported max_t; waiting for the process to exit
  /// num_results when the trial was restarted on a resume (-1: not restarted). Equal at exit:
  /// its checkpoint was newer than its last result (read by nobody while the tuner was down).
  std::int64_t results_at_restart = -1;
};

class TunerState {
 public:
  TunerState() = default;
  // Not copyable: record_result's cache points into `status`.
  TunerState(const TunerState&) = delete;
  TunerState& operator=(const TunerState&) = delete;
  TunerState(TunerState&&) = default;
  TunerState& operator=(TunerState&&) = default;
  TrialRecord& add_trial(Config config, double t);
  TrialRecord* find(TrialId id) {
    return id >= 0 && static_cast<std::size_t>(id) < trials_.size() ? &trials_[id] : nullptr;
  }
  const std::vector<TrialRecord>& trials() const { return trials_; }
  void record_result(TrialRecord& rec, const Result& r);
  void on_status_change(TrialRecord& rec, TrialStatus from, TrialStatus to);
  int num_running() const { return static_cast<int>(running_.size()); }
  std::vector<TrialRecord*> running_trials();
  /// Best trial by the main metric, with its best value (unsigned).
  std::optional<std::pair<const TrialRecord*, double>> best_trial(const ProblemSpec& p) const;
  void set_main_metric(const std::string& metric, Mode mode) { metric_ = metric, sign_ = mode == Mode::kMin ? 1 : -1; }

  /// Appends the state as a JSON object (the "state" part of tuner.json).
  void append_json(std::string& out) const;
  void from_json(const Json& j);

  TuningStatus status;
  TrialId next_trial_id = 0;
  bool exhausted = false;
  Json metadata;

 private:
  std::vector<TrialRecord> trials_;
  std::set<TrialId> running_;
  std::string metric_;
  double sign_ = 1;
  struct Extremes {  // record_result's cache: the status' map entries of one result key
    std::string key;
    std::map<std::string, double>::iterator max, min;
    bool set = false;
  };
  std::vector<Extremes> extremes_;
  TrialId best_id_ = -1;
};

/// The content of `tuner.json` (see docs/checkpoint.md); periodic saves build it in the
/// BackgroundSaver's forked child, from its copy of the tuner.
std::string tuner_checkpoint_text(const TunerState& state, const Scheduler& scheduler,
                                  const Backend& backend, const TunerOptions& opts,
                                  std::int64_t journal_offset);

}  // namespace synetune
