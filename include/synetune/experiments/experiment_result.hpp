#pragma once
/// Reading an experiment folder back (Syne Tune's `load_experiment` / `list_experiments`):
/// metadata.json, the result journal (source of truth, also while the tuner still runs) and,
/// for folders without a journal (e.g. written by Syne Tune itself), results.csv.zip.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

/// One reported result (a row of results.csv.zip).
struct ResultRow {
  TrialId trial_id = -1;
  double tuner_time = 0.0;  ///< st_tuner_time
  TrialStatus status = TrialStatus::kInProgress;
  Decision decision = Decision::kContinue;
  Json values = Json::object();  ///< reported metrics (and extra columns), reported order

  /// Numeric value of `metric`, NaN when absent or not a number.
  double get(const std::string& metric) const;
};

/// What is known about one trial at the end of the journal (or table).
struct TrialSummary {
  TrialId trial_id = -1;
  Config config = Json::object();
  TrialStatus status = TrialStatus::kInProgress;  ///< last status seen
  std::string reason;                             ///< of the last status event (failures)
  std::size_t num_results = 0;
  double best_metric = 0.0;  ///< best value of the first metric (by its mode); NaN if none
  double start_time = 0.0;   ///< tuner time of the first start
  double last_time = 0.0;    ///< tuner time of the last event
};

struct BestConfig {
  TrialId trial_id = -1;
  Config config;
  double value = 0.0;   ///< best value of the metric
  double tuner_time = 0.0;
  std::string metric;
  Mode mode = Mode::kMin;
};

class ExperimentResult {
 public:
  std::string name;
  std::filesystem::path path;
  Json metadata = Json::object();
  std::vector<ResultRow> results;   ///< in reported (= journal) order
  std::vector<TrialSummary> trials;  ///< ascending trial id
  bool from_journal = false;         ///< false: rows come from results.csv.zip
  std::size_t skipped_journal_lines = 0;  ///< malformed / truncated lines ignored
  /// The last tuning event of the journal is `tuning_end` (a resumed experiment runs again).
  /// Folders without a journal count as finished.
  bool finished = false;
  std::string end_reason;          ///< of the last `tuning_end`
  double tuner_time_used = 0.0;    ///< largest tuner time seen (resumes continue the clock)
  double last_update = 0.0;        ///< UNIX time of the last write to the journal / table
  /// Set only by list_experiments, for a folder that could not be read: why (naming the file).
  /// Nothing else of the result is filled in then except `name` and `path`.
  std::string error;

  /// `metric_names` of metadata.json (falls back to the first numeric result column).
  std::vector<std::string> metric_names() const;
  /// Mode of metric `index` (metadata `metric_mode`: a string, or a list as Syne Tune's MO).
  Mode metric_mode(std::size_t index = 0) const;
  /// Index of `metric` in metric_names(); throws InvalidArgument naming the choices.
  std::size_t metric_index(const std::string& metric) const;
  /// The row with the global best value of the metric (min or max by its mode); nullopt when
  /// no row reports it.
  std::optional<BestConfig> best_config(std::size_t metric_index = 0) const;
  std::optional<BestConfig> best_config(const std::string& metric) const;
  /// best_config for each metric of metric_names(), in that order.
  std::vector<std::optional<BestConfig>> best_trial_per_metric() const;
  /// Best-so-far (cummin/cummax) of `metric` over st_tuner_time: (time, value) at each row
  /// that reports the metric, rows sorted by time.
  std::vector<std::pair<double, double>> best_so_far(const std::string& metric, Mode mode) const;
  /// st_tuner_creation_timestamp of metadata.json, else the folder's modification time.
  double creation_timestamp() const;
  /// "finished (<reason>)" or "running (last update N s ago)" relative to `now` (UNIX time);
  /// whether the tuner process is still alive cannot be known from the folder.
  std::string status_string(double now) const;
  /// Metadata keys given by the user (`--metadata key=value`): neither `st_`-prefixed nor
  /// written by the tuner itself.
  Json user_metadata() const;
};

/// Loads `name_or_path`: an existing experiment folder, else `<root>/<name>` (root empty =
/// $SYNETUNE_FOLDER or ~/syne-tune), else the unique experiment under root whose name starts
/// with it. Only a name (is_root_relative_name: no "..", no leading '/') is looked up under
/// the root. Throws InvalidArgument when nothing (or more than one experiment) matches.
ExperimentResult load_experiment(const std::string& name_or_path,
                                 const std::filesystem::path& root = {});

/// Reads one experiment folder (no name resolution). Throws StorageError naming the file when
/// metadata.json, the journal or results.csv.zip cannot be read (journal lines that cannot be
/// parsed are skipped and counted in skipped_journal_lines instead).
ExperimentResult load_experiment_folder(const std::filesystem::path& path);

/// All experiments under `root` (folders holding metadata.json or journal.jsonl, up to three
/// levels deep), oldest first by creation time. A folder that cannot be read is listed too,
/// with `error` set to the reason.
std::vector<ExperimentResult> list_experiments(const std::filesystem::path& root = {});

/// Parses CSV text (RFC 4180 quoting) into rows of cells; the header is row 0.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace synetune
