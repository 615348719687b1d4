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
#include "synetune/tuner/journal.hpp"

namespace synetune {

class ResultsTable {
 public:
  /// Config of a trial (updated on resume with a new config). `number_text` (optional): the
  /// journal that just wrote this config (see JournalWriter::config_value_text).
  void set_config(TrialId id, const Config& config, const JournalWriter* number_text = nullptr);
  /// `number_text` (optional): how the journal printed the numbers of this result (see
  /// JournalWriter::number_text); finite ones are copied rather than formatted again.
  void add(const Result& r, Decision decision, TrialStatus status, double tuner_time,
           const Json& extra, const JournalWriter* number_text = nullptr);
  std::size_t num_rows() const { return rows_.size(); }

  /// CSV text (header + rows). Missing values are empty cells, as pandas writes NaN.
  std::string to_csv() const;
  /// Writes `results.csv.zip` atomically (temporary file + rename). `compress`: deflate the
  /// entry; otherwise it is stored (a valid zip all the same, written several times faster).
  void write_csv_zip(const std::filesystem::path& path, bool compress = true) const;

 private:
  // Cells are rendered to text once, when a row is added (a config: when it is set), so that
  // writing the table, which happens again at every periodic save, only concatenates them.
  // Columns are only ever appended: a row rendered when there were fewer columns gets empty
  // cells for the newer ones.
  struct Row {
    TrialId trial_id;
    Decision decision;
    TrialStatus status;
    std::uint32_t num_metric_cells;  // metric columns that existed when the row was added
    std::size_t text_begin;          // text_[text_begin, +metrics_len): the metric cells
    std::uint32_t metrics_len;
    std::uint32_t time_len;          // then the st_tuner_time cell
    Json extra;                      // non-numeric and callback columns
  };
  struct ConfigCells {  // ",v1,v2,..." over the first num_columns config columns
    std::size_t begin = 0;  // in config_text_ (one buffer: no allocation per trial)
    std::uint32_t length = 0;
    std::uint32_t num_columns = 0;
  };
  std::uint32_t metric_column(const std::string& key);

  std::vector<Row> rows_;
  std::string text_;
  std::vector<std::string> metric_columns_;
  std::unordered_map<std::string, std::uint32_t> metric_index_;
  std::vector<std::string> extra_columns_;  // first-seen order
  std::vector<std::string> config_keys_;    // config columns without the "config_" prefix
  std::vector<ConfigCells> configs_;        // by trial id (ids are dense, from 0)
  std::string config_text_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> scratch_;  // add(): (column, value index)
};

/// Writes `data` as the single entry `entry_name` of a new zip archive at `path`, atomically;
/// deflated, or stored when `compress` is false.
void write_zip_atomically(const std::filesystem::path& path, const std::string& entry_name,
                          const std::string& data, bool compress = true);
/// Reads entry `entry_name` (or the first entry if empty) of a zip archive.
std::string read_zip_entry(const std::filesystem::path& path, const std::string& entry_name = "");
/// Writes a file atomically: temporary file in the same folder, fsync, rename.
void write_file_atomically(const std::filesystem::path& path, const std::string& data);

}  // namespace synetune
