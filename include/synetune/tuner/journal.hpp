#pragma once
/// The result journal: `<tuner_path>/journal.jsonl`, one JSON object per line, appended the
/// moment an event happens so that killing the tuner (even with SIGKILL) loses no reported
/// result. Tables (results.csv.zip), plots and resume are derived from it.
///
/// Line kinds (`event` field):
///   {"event":"tuning_start","time":t,"tuner_name":..,"resumed":bool}
///   {"event":"trial_start","trial_id":i,"time":t,"resumed":bool,"config":{..}
///    [,"warm_start_from":j]}
///   {"event":"result","trial_id":i,"time":t[,"status":"Stopped"][,"decision":"STOP"],
///    "result":{..metrics..}[,"extra":{..}]}   (status InProgress and decision CONTINUE,
///    the usual ones, are left out)
///   {"event":"status","trial_id":i,"time":t,"status":"Completed|Failed|Stopped|Paused",
///    "reason":".."}
///   {"event":"tuning_end","time":t,"reason":".."}
/// `time` is tuner time in seconds (simulated for the simulator).
///
/// Damage: a line that cannot be used (cut short by a kill or power loss, not JSON, of an
/// unknown event, or lacking a field its event needs) is skipped by the reader with a warning
/// naming the file and line (`journal.jsonl:17: skipped: <reason>`); every other line is kept.
/// A writer opening a journal whose last line was torn (no trailing newline) first ends that
/// line, or cuts it off when it is not JSON, so that the next event starts a line of its own.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/result.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

class JournalWriter {
 public:
  /// Opens (appending) `path`. `buffered`: flush only when the buffer fills or flush() is
  /// called (simulator); otherwise the tuner flushes after every batch of events. A torn last
  /// line is repaired first (see repair_torn_journal_tail).
  JournalWriter(const std::filesystem::path& path, bool buffered);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  void tuning_start(double time, const std::string& tuner_name, bool resumed);
  void trial_start(TrialId id, double time, bool resumed, const Config& config,
                   std::optional<TrialId> warm_start_from = std::nullopt);
  void result(const Result& r, double time, TrialStatus status, Decision decision,
              const Json& extra);
  /// Text of the numbers of the last result line: 0 is its time, 1 + i the i-th value of
  /// the result. Valid until the next line is written: the results table copies them rather
  /// than formatting the same numbers again.
  std::string_view number_text(std::size_t i) const;
  /// Text of the i-th value of the config of the last trial_start line when it is a finite,
  /// non-integral float (printed as the results table prints it), else empty.
  std::string_view config_value_text(std::size_t i) const;
  void status(TrialId id, double time, TrialStatus status, const std::string& reason);
  void tuning_end(double time, const std::string& reason);
  /// Hands buffered lines to the kernel (write(2)): from then on they survive a SIGKILL.
  void flush();
  bool buffered() const { return buffered_; }
  /// Size of the journal in bytes after flushing (a checkpoint remembers it, so that resume
  /// replays only the lines written after the checkpoint).
  std::int64_t offset();

 private:
  void begin_line();
  void end_line();
  void write_line(const std::string& line);
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;
  int fd_ = -1;
  bool buffered_ = false;
  std::string line_;              // lines not yet written, the one being built last
  std::size_t written_ = 0;  // bytes of line_ handed to the kernel
  std::vector<std::pair<std::size_t, std::size_t>> number_spans_;  // in line_: (offset, length)
  std::vector<std::pair<std::size_t, std::size_t>> config_spans_;
};

/// Where a journal line was read.
struct JournalLine {
  const Json& json;     ///< the line, checked by journal_line_problem
  std::size_t number;   ///< 1-based line number in the file
  std::int64_t offset;  ///< byte offset of the line's first character
};

/// Reads a journal, calling `on_line` for each complete, well-formed line in order, from the
/// line starting at byte `from_offset` on (line numbers still count from the file's start).
/// Each unusable line is skipped with a warning on stderr (`journal.jsonl:17: skipped: ...`).
/// Returns the number of lines skipped. Throws StorageError if the file cannot be read; an
/// exception thrown by `on_line` is rethrown as a StorageError naming the file and line.
std::size_t read_journal_lines(const std::filesystem::path& path,
                               const std::function<void(const JournalLine&)>& on_line,
                               std::int64_t from_offset = 0);

/// read_journal_lines for callers that need the lines only.
std::size_t read_journal(const std::filesystem::path& path,
                         const std::function<void(const Json&)>& on_line,
                         std::int64_t from_offset = 0);

/// Why a parsed line cannot be used (a missing or mistyped field, an unknown event or
/// status), or nullopt when it is well-formed: every field its event needs is there with the
/// type readers expect, so that they can use it without checks of their own.
std::optional<std::string> journal_line_problem(const Json& line);

/// Ends a torn last line of the journal at `path` (one without a trailing newline: the writer
/// was killed, or the machine lost power, mid-line): a line that is complete JSON gets its
/// newline, anything else is cut off, with a warning naming the line. Returns true if the
/// file was changed. A missing or empty file is left alone.
bool repair_torn_journal_tail(const std::filesystem::path& path);

/// Appends a number the way Python's repr prints floats (shortest round trip; NaN, Infinity).
void append_number(std::string& out, double v);

}  // namespace synetune
