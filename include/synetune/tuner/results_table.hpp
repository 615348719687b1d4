#pragma once
/// The results table of an experiment, one row per reported result, with Syne Tune's columns:
/// reported metrics (first-seen order), `st_decision`, `st_status`, `trial_id`,
/// `config_<name>` for every config key, `st_tuner_time`, then callback-added columns.
/// Written as `results.csv.zip` (a zip holding `results.csv`, readable by pandas).
#include <cstdint>
#include <filesystem>
#include <memory>
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
  class Snapshot;

  /// Config of a trial (updated on resume with a new config). `number_text` (optional): the
  /// journal that just wrote this config (see JournalWriter::config_value_text).
  void set_config(TrialId id, const Config& config, const JournalWriter* number_text = nullptr);
  /// `number_text` (optional): how the journal printed the numbers of this result (see
  /// JournalWriter::number_text); finite ones are copied rather than formatted again.
  void add(const Result& r, Decision decision, TrialStatus status, double tuner_time,
           const Json& extra, const JournalWriter* number_text = nullptr);
  std::size_t num_rows() const { return num_rows_; }

  /// CSV text (header + rows). Missing values are empty cells, as pandas writes NaN.
  std::string to_csv() const;
  /// Writes `results.csv.zip` atomically (temporary file + rename). `compress`: deflate the
  /// entry; otherwise it is stored (a valid zip all the same, written several times faster).
  void write_csv_zip(const std::filesystem::path& path, bool compress = true) const;
  /// The table as it is now, for another thread to write while this one goes on adding rows
  /// (the tuner's background saves). Cheap: it copies the column names and one small entry
  /// per trial, never the rows, which are stored in blocks that neither move nor change once
  /// written. Taking a snapshot, like every other call, must not overlap a call that changes
  /// the table; the snapshot itself may then be used on any thread, for as long as wanted.
  Snapshot snapshot() const;

 private:
  // Cells are rendered to text once, when a row is added (a config: when it is set), so that
  // writing the table, which happens again at every periodic save, only concatenates them.
  // Columns are only ever appended: a row rendered when there were fewer columns gets empty
  // cells for the newer ones.
  struct TextRef {  // where a piece of text starts in the text blocks
    std::uint32_t block = 0;
    std::uint32_t offset = 0;
  };
  struct Row {
    TrialId trial_id;
    Decision decision;
    TrialStatus status;
    std::uint32_t num_metric_cells;  // metric columns that existed when the row was added
    TextRef text;                    // the metric cells (metrics_len), then st_tuner_time
    std::uint32_t metrics_len;
    std::uint32_t time_len;
    Json extra;                      // non-numeric and callback columns
  };
  struct ConfigCells {  // ",v1,v2,..." over the first num_columns config columns
    TextRef text;
    std::uint32_t length = 0;
    std::uint32_t num_columns = 0;
  };
  // Blocks are shared with the snapshots: a block outlives the table while a snapshot reads it.
  using TextBlock = std::shared_ptr<char[]>;
  using RowBlock = std::shared_ptr<std::vector<Row>>;  // reserved once: its rows never move

  std::uint32_t metric_column(const std::string& key);
  TextRef store_text(const std::string& text);  // appends to the text blocks
  Row& new_row();

  std::vector<RowBlock> row_blocks_;
  std::size_t num_rows_ = 0;
  std::vector<TextBlock> text_blocks_;
  std::size_t text_used_ = 0;      // bytes used in the last text block
  std::size_t text_capacity_ = 0;  // and its size
  std::string cells_;              // the text of the row or config being added
  std::vector<std::string> metric_columns_;
  std::unordered_map<std::string, std::uint32_t> metric_index_;
  std::vector<std::string> extra_columns_;  // first-seen order
  std::vector<std::string> config_keys_;    // config columns without the "config_" prefix
  std::vector<ConfigCells> configs_;        // by trial id (ids are dense, from 0)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> scratch_;  // add(): (column, value index)
};

/// An immutable view of a ResultsTable at the time ResultsTable::snapshot() was called; safe
/// to use on another thread while the table grows (it shares only text and rows that are
/// never written again).
class ResultsTable::Snapshot {
 public:
  /// CSV text of the table as it was (header + rows), as ResultsTable::to_csv.
  std::string to_csv() const;
  /// Writes it as `results.csv.zip`, atomically, as ResultsTable::write_csv_zip.
  void write_csv_zip(const std::filesystem::path& path, bool compress = true) const;
  std::size_t num_rows() const { return num_rows_; }

 private:
  friend class ResultsTable;
  const char* text(TextRef r) const { return text_blocks_[r.block].get() + r.offset; }

  std::vector<TextBlock> text_blocks_;
  std::vector<RowBlock> row_blocks_;  // keeps the rows alive; read through row_data_ only
  std::vector<const Row*> row_data_;  // taken on the table's thread: no vector is read here
  std::size_t num_rows_ = 0;
  std::size_t rows_per_block_ = 0;
  std::vector<std::string> metric_columns_;
  std::vector<std::string> extra_columns_;
  std::vector<std::string> config_keys_;
  std::vector<ConfigCells> configs_;
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
