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
  /// Started from another trial's checkpoint (PBT's exploit): one taken at the end of training
  /// leaves it nothing to train, which is no fault of the script.
  bool warm_started = false;
};

class TunerState {
 public:
  class Snapshot;

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
  /// A copy of what append_json writes, cheap to take (no text, no copy of finished trials'
  /// configs), to be written by another thread.
  Snapshot snapshot() const;
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

// The state as it was when TunerState::snapshot() was called: per trial only the numbers the
// checkpoint holds; configs and last results only of the trials that may still run.
class TunerState::Snapshot {
 public:
  void append_json(std::string& out) const;  ///< as TunerState::append_json then

 private:
  friend class TunerState;
  struct TrialRow {
    TrialId trial_id;
    TrialStatus status;
    std::uint32_t live;  // index in live_, or kNotLive
    double creation_time;
    std::int64_t num_results;
    double best, max_cost, last_resource;
  };
  struct Live {  // a trial that is running or paused
    Config config;
    Result last_result;
  };
  static constexpr std::uint32_t kNotLive = ~std::uint32_t{0};

  Json status_;
  TrialId next_trial_id_ = 0;
  bool exhausted_ = false;
  TrialId best_id_ = -1;
  std::vector<TrialRow> trials_;
  std::vector<Live> live_;
  std::vector<std::pair<TrialId, std::string>> reasons_;
};

/// What `tuner.json` holds (see docs/checkpoint.md), copied on the loop thread and turned into
/// text by the tuner's saving thread. The scheduler's part is text already: a scheduler cannot
/// be copied, and it goes on changing while the snapshot is written.
class CheckpointSnapshot {
 public:
  CheckpointSnapshot(const TunerState& state, const Scheduler& scheduler, const Backend& backend,
                     const TunerOptions& opts, std::int64_t journal_offset);
  std::string text() const;  ///< the content of tuner.json

 private:
  Json head_;
  TunerState::Snapshot state_;
  std::string scheduler_;
  Json backend_;
};

/// The content of `tuner.json`, at once: CheckpointSnapshot(...).text().
std::string tuner_checkpoint_text(const TunerState& state, const Scheduler& scheduler,
                                  const Backend& backend, const TunerOptions& opts,
                                  std::int64_t journal_offset);

}  // namespace synetune
