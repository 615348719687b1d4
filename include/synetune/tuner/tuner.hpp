#pragma once
/// The Tuner: one event loop that moves events between Backend, Scheduler and result stores,
/// enforces n_workers, the stopping criterion and max_failures, and writes the experiment
/// folder (metadata.json, results.csv.zip, the result journal, the tuner checkpoint).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/core/json.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/space/config_space.hpp"
#include "synetune/tuner/callback.hpp"
#include "synetune/tuner/experiment_folder.hpp"
#include "synetune/tuner/stopping_criterion.hpp"

namespace synetune {

struct TunerOptions {
  int n_workers = 4;
  StoppingCriterion stop_criterion;
  /// Tuning stops once more than this many trials failed (Syne Tune: strict >).
  int max_failures = 1;
  /// Full name (is_valid_experiment_name); empty = `<tuner_name_base>-YYYY-MM-DD-HH-MM-SS-mmm`
  /// (UTC), with -2, -3, ... added if that folder exists.
  std::string tuner_name;
  std::string tuner_name_base = "st-tuner";
  /// Output root; empty = $SYNETUNE_FOLDER or ~/syne-tune.
  std::filesystem::path root;
  /// What run() does if the folder `root/tuner_name` exists: refuse (the default; an earlier
  /// experiment is never overwritten), or kOverwrite to start it over. Ignored by load().
  ExistingFolder existing_folder = ExistingFolder::kRefuse;
  Json metadata = Json::object();  ///< user metadata merged into metadata.json
  std::string entrypoint;          ///< for metadata.json
  ConfigSpace config_space;        ///< for metadata.json
  double results_update_interval = 10.0;  ///< seconds between results.csv.zip / checkpoint
  double print_update_interval = 1.0;     ///< seconds between progress lines (0 = never)
  bool print_progress = true;
  bool print_summary = true;
  /// Master seed of the experiment, recorded in metadata.json and the tuner checkpoint. The
  /// Tuner draws no random numbers itself: give the same value to the method factory
  /// (methods.hpp), which derives the searcher's and the scheduler's streams from it, and to a
  /// simulator backend (SimulatorOptions::seed = derive_seed(seed, "simulator")).
  std::uint64_t seed = 0;
  /// After the stop criterion fires, let running trials finish instead of stopping them.
  bool wait_trial_completion_when_stopping = false;
  bool asynchronous_scheduling = true;
  bool write_checkpoint = true;  ///< tuner checkpoint (tuner.json) every update interval
  /// Deflate the entry of results.csv.zip, or store it. Default: deflate, except with
  /// simulated time, where compressing a table of a million rows would cost more CPU than
  /// the whole simulation (and journal.jsonl next to it holds the same data, uncompressed).
  std::optional<bool> compress_results;
};

struct TuningSummary {
  std::string tuner_name;
  std::filesystem::path tuner_path;
  std::string stop_reason;
  TuningStatus status;
  TrialId best_trial_id = -1;
  double best_metric = 0.0;
  Config best_config;
  bool failed = false;  ///< ended because of too many failures
  double tuner_cpu_seconds = 0.0;  ///< CPU time of the tuner process itself (not its trials)
};

/// Output root: $SYNETUNE_FOLDER or ~/syne-tune.
std::filesystem::path default_output_root();
/// `<base>-YYYY-MM-DD-HH-MM-SS-mmm`, UTC, base made a valid name (to_experiment_name) and
/// truncated to fit 63 characters.
std::string name_from_base(const std::string& base);

/// Throws InvalidArgument, naming the method, the backend and what the backend lacks, if
/// `scheduler.requirements()` asks for something `backend.capabilities()` does not offer
/// (e.g. promotion-type ASHA on a backend that cannot pause and resume). The Tuner calls it
/// when constructed, so a mismatch stops the tuning before any trial starts; a launcher can
/// call it even earlier.
void check_backend_capabilities(const Scheduler& scheduler, const Backend& backend);

/// Stops one Tuner's run() from anywhere: another thread, or a signal handler. Copies share
/// one flag; each Tuner has its own (Tuner::stop_token()), so that stopping one tuner of a
/// process leaves the others running.
class StopToken {
 public:
  StopToken() = default;  ///< a fresh flag, not yet requested
  /// Asks the tuner to stop at its next loop iteration; it then stops its trials and writes
  /// everything, as at any end. Async-signal-safe: one store to a lock-free atomic.
  void request_stop() const noexcept { flag_->store(true, std::memory_order_relaxed); }
  bool stop_requested() const noexcept { return flag_->load(std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "request_stop must be async-signal-safe");
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

class Tuner {
 public:
  Tuner(std::unique_ptr<Scheduler> scheduler, std::unique_ptr<Backend> backend,
        TunerOptions options);
  ~Tuner();
  Tuner(const Tuner&) = delete;
  Tuner& operator=(const Tuner&) = delete;

  void add_callback(std::unique_ptr<TunerCallback> callback);
  /// Runs until the stopping criterion, exhaustion of the space, too many failures, or
  /// stop_token().request_stop(). Writes everything before returning. A new tuner first creates and locks
  /// its folder (create_experiment_folder; throws if it exists, see existing_folder); the lock
  /// is held until the Tuner is destroyed. Throws InvalidArgument, after stopping the trials
  /// and writing everything, when a trial's first result lacks the tuned metric (the metric
  /// name is wrong: tuning on could not inform the search).
  TuningSummary run();
  /// This tuner's stop flag: request_stop() on it (or a copy) ends run() at its next loop
  /// iteration, also when called before run() (which then stops at once, writing its files).
  StopToken stop_token() const;

  /// The experiment's name and folder; a generated name is final once run() has started
  /// (a suffix is added if its folder exists).
  const std::string& name() const;
  const std::filesystem::path& path() const;
  Scheduler& scheduler();
  Backend& backend();

  /// Continues an experiment from its folder (checkpoint, or journal replay if the
  /// checkpoint is missing or corrupt). Scheduler and backend are built by the caller from
  /// metadata.json, as for the first run (same options and seed), then their states are
  /// restored: from the checkpoint, and from the journal lines after it, whose scheduler
  /// calls (suggest included) are made again in their order (docs/checkpoint.md). Takes the
  /// folder's lock first (throws ExperimentLocked, having read and written nothing, if another
  /// tuner runs it). Corrupt state that the replay cannot get past (no metadata.json, neither
  /// a usable tuner.json nor journal.jsonl) throws StorageError naming the file or folder,
  /// whatever the parser underneath threw; a corrupt tuner.json alone is only a warning.
  static std::unique_ptr<Tuner> load(const std::filesystem::path& tuner_path,
                                     std::unique_ptr<Scheduler> scheduler,
                                     std::unique_ptr<Backend> backend, TunerOptions options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synetune
