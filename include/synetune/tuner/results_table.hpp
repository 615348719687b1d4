#pragma once
/// The results table of an experiment, one row per reported result, with Syne Tune's columns:
/// reported metrics (first-seen order), `st_decision`, `st_status`, `trial_id`,
/// `config_<name>` for every config key, `st_tuner_time`, then callback-added columns.
/// Written as `results.csv.zip` (a zip holding `results.csv`, readable by pandas).
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

class ResultsTable {
 public:
  /// Config of a trial (updated on resume with a new config).
  void set_config(TrialId id, const Config& config);
  void add(const Result& r, Decision decision, TrialStatus status, double tuner_time,
           const Json& extra);
  std::size_t num_rows() const { return rows_.size(); }

  /// CSV text (header + rows). Missing values are empty cells, as pandas writes NaN.
  std::string to_csv() const;
  /// Writes `results.csv.zip` atomically (temporary file + rename).
  void write_csv_zip(const std::filesystem::path& path) const;

 private:
  struct Row {
    TrialId trial_id;
    Decision decision;
    TrialStatus status;
    double tuner_time;
    std::size_t first_value;  // this row's (metric column, value) pairs: values_[first_value, +num_values)
    std::uint32_t num_values;
    Json extra;  // non-numeric and callback columns
  };
  std::uint32_t metric_column(const std::string& key);

  std::vector<Row> rows_;
  std::vector<std::pair<std::uint32_t, double>> values_;  // all rows' metrics: no allocation per row
  std::vector<std::string> metric_columns_;
  std::unordered_map<std::string, std::uint32_t> metric_index_;
  std::vector<std::string> extra_columns_;  // first-seen order
  std::vector<std::string> config_columns_;
  std::unordered_map<TrialId, Config> configs_;
};

/// Writes `data` as the single entry `entry_name` of a new zip archive at `path`, atomically.
void write_zip_atomically(const std::filesystem::path& path, const std::string& entry_name,
                          const std::string& data);
/// Reads entry `entry_name` (or the first entry if empty) of a zip archive.
std::string read_zip_entry(const std::filesystem::path& path, const std::string& entry_name = "");
/// Writes a file atomically: temporary file in the same folder, fsync, rename.
void write_file_atomically(const std::filesystem::path& path, const std::string& data);

}  // namespace synetune
