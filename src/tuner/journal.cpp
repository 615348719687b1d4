#include "synetune/tuner/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>

#include "synetune/core/error.hpp"
#include "tuner/write_all.hpp"

namespace synetune {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    // Integral values keep a float marker only if they were floats; we cannot tell, and
    // readers (pandas, our loader) treat 3 and 3.0 alike.
    append_python_int(out, static_cast<std::int64_t>(v));
  } else {
    append_python_float(out, v);  // not integral: no marker is added
  }
}

JournalWriter::JournalWriter(const std::filesystem::path& path, bool buffered)
    : buffered_(buffered) {
  repair_torn_journal_tail(path);  // else the next event would continue the torn line
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw StorageError("cannot open the result journal " + path.string() + " for appending: " +
                       std::strerror(errno));
  line_.reserve(kBufferSize + 4096);
}

JournalWriter::~JournalWriter() {
  try {
    flush();
  } catch (const Error& e) {
    std::cerr << "[synetune] " << e.what() << "\n";
  }
  ::close(fd_);
}

// Lines are built in place at the end of the buffer (no copy into a stdio buffer); a full
// buffer is handed to the kernel before the next line starts, so that the last line's text
// stays readable (number_text) until then.
void JournalWriter::begin_line() {
  if (written_ == line_.size() || line_.size() >= kBufferSize) {
    flush();
    line_.clear();
    written_ = 0;
  }
  number_spans_.clear();
}

void JournalWriter::end_line() {
  // Unbuffered mode (real backends): hand each line to the kernel at once, so a SIGKILL of
  // the tuner right after a decision cannot lose the result it was made on.
  if (!buffered_) flush();
}

void JournalWriter::write_line(const std::string& line) {
  begin_line();
  line_ += line;
  end_line();
}

void JournalWriter::flush() {
  const bool ok = write_all(fd_, line_.data() + written_, line_.size() - written_);
  written_ = line_.size();  // on failure dropped: retrying would repeat a partial line
  if (!ok)
    throw StorageError("cannot write the result journal (" + std::string(std::strerror(errno)) +
                       "); is the disk full?");
}

std::int64_t JournalWriter::offset() {
  flush();
  return static_cast<std::int64_t>(::lseek(fd_, 0, SEEK_CUR));  // appending: the file's size
}

void JournalWriter::tuning_start(double time, const std::string& tuner_name, bool resumed) {
  Json j{{"event", "tuning_start"}, {"time", time}, {"tuner_name", tuner_name}, {"resumed", resumed}};
  write_line(dump_json_python(j) + "\n");
  flush();
}

void JournalWriter::trial_start(TrialId id, double time, bool resumed, const Config& config,
                                std::optional<TrialId> warm_start_from) {
  begin_line();
  config_spans_.clear();
  line_ += "{\"event\":\"trial_start\",\"trial_id\":";
  append_python_int(line_, id);
  line_ += ",\"time\":";
  append_number(line_, time);
  line_ += resumed ? ",\"resumed\":true,\"config\":" : ",\"resumed\":false,\"config\":";
  if (config.is_object()) {
    // As append_json_python writes it, remembering where non-integral floats are (their
    // text is the same in the results table).
    line_ += '{';
    bool first = true;
    for (auto it = config.begin(); it != config.end(); ++it) {
      if (!first) line_ += ',';
      first = false;
      append_json_string(line_, it.key());
      line_ += ':';
      const Json& v = it.value();
      const double d = v.is_number_float() ? v.get<double>() : 0.0;
      if (v.is_number_float() && std::isfinite(d) && d != std::floor(d)) {
        const std::size_t begin = line_.size();
        append_number(line_, d);
        config_spans_.emplace_back(begin, line_.size() - begin);
      } else {
        config_spans_.emplace_back(0, 0);
        append_json_python(line_, v);
      }
    }
    line_ += '}';
  } else {
    append_json_python(line_, config);
  }
  if (warm_start_from) line_ += ",\"warm_start_from\":", append_python_int(line_, *warm_start_from);
  line_ += "}\n";
  end_line();
}

std::string_view JournalWriter::config_value_text(std::size_t i) const {
  if (i >= config_spans_.size()) return {};
  return std::string_view(line_).substr(config_spans_[i].first, config_spans_[i].second);
}

void JournalWriter::result(const Result& r, double time, TrialStatus status, Decision decision,
                           const Json& extra) {
  // One line per result: appended piecewise, without temporaries.
  begin_line();
  auto number = [&](double v) {
    const std::size_t begin = line_.size();
    append_number(line_, v);
    number_spans_.emplace_back(begin, line_.size() - begin);
  };
  line_ += "{\"event\":\"result\",\"trial_id\":";
  append_python_int(line_, r.trial_id);
  line_ += ",\"time\":";
  number(time);
  // The usual status and decision are left out (readers default to them): a simulation
  // writes millions of these lines.
  if (status != TrialStatus::kInProgress) line_ += ",\"status\":\"", line_ += to_string(status), line_ += '"';
  if (decision != Decision::kContinue) line_ += ",\"decision\":\"", line_ += to_string(decision), line_ += '"';
  line_ += ",\"result\":{";
  bool first = true;
  for (const auto& [k, v] : r.values) {
    if (!first) line_ += ',';
    first = false;
    append_json_string(line_, k);
    line_ += ':';
    number(v);
  }
  if (r.extra.is_object())
    for (auto it = r.extra.begin(); it != r.extra.end(); ++it) {
      if (!first) line_ += ',';
      first = false;
      append_json_string(line_, it.key());
      line_ += ':';
      append_json_python(line_, it.value());
    }
  line_ += "}";
  if (extra.is_object() && !extra.empty()) line_ += ",\"extra\":", append_json_python(line_, extra);
  line_ += "}\n";
  end_line();
}

std::string_view JournalWriter::number_text(std::size_t i) const {
  return std::string_view(line_).substr(number_spans_[i].first, number_spans_[i].second);
}

void JournalWriter::status(TrialId id, double time, TrialStatus status, const std::string& reason) {
  begin_line();
  line_ += "{\"event\":\"status\",\"trial_id\":";
  append_python_int(line_, id);
  line_ += ",\"time\":";
  append_number(line_, time);
  line_ += ",\"status\":\"";
  line_ += to_string(status);
  line_ += "\",\"reason\":";
  append_json_string(line_, reason);
  line_ += "}\n";
  end_line();
}

void JournalWriter::tuning_end(double time, const std::string& reason) {
  Json j{{"event", "tuning_end"}, {"time", time}, {"reason", reason}};
  write_line(dump_json_python(j) + "\n");
  flush();
}

namespace {

bool is_id(const Json& j) { return j.is_number_integer() && j.get<std::int64_t>() >= 0; }

// "field 'x' is missing" / "field 'x' is not a <what>": the reason a reader skips a line.
std::optional<std::string> need(const Json& line, const char* key, bool (*ok)(const Json&),
                                const char* what, bool required = true) {
  const auto it = line.find(key);
  if (it == line.end()) {
    if (required) return std::string("field '") + key + "' is missing";
    return std::nullopt;
  }
  if (!ok(*it)) return std::string("field '") + key + "' is not " + what;
  return std::nullopt;
}

bool is_object(const Json& j) { return j.is_object(); }
bool is_string(const Json& j) { return j.is_string(); }
bool is_bool(const Json& j) { return j.is_boolean(); }
bool is_number(const Json& j) { return j.is_number(); }
bool is_status(const Json& j) {
  if (!j.is_string()) return false;
  try {
    parse_trial_status(j.get<std::string>());
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}
bool is_decision(const Json& j) {
  if (!j.is_string()) return false;
  const auto s = j.get<std::string>();
  return s == "CONTINUE" || s == "PAUSE" || s == "STOP";
}

void warn_skipped(const std::filesystem::path& path, std::size_t number, const std::string& reason) {
  std::cerr << "[synetune] warning: " << path.string() << ":" << number << ": skipped: " << reason << "\n";
}

}  // namespace

std::optional<std::string> journal_line_problem(const Json& line) {
  if (!line.is_object()) return "not a JSON object";
  const auto ev = line.find("event");
  if (ev == line.end()) return "field 'event' is missing";
  if (!ev->is_string()) return "field 'event' is not a string";
  if (auto p = need(line, "time", is_number, "a number", false)) return p;
  const std::string event = ev->get<std::string>();
  std::vector<std::optional<std::string>> problems;
  if (event == "trial_start") {
    problems = {need(line, "trial_id", is_id, "a trial id"), need(line, "config", is_object, "an object"),
                need(line, "resumed", is_bool, "a boolean", false),
                need(line, "warm_start_from", is_id, "a trial id", false)};
  } else if (event == "result") {
    problems = {need(line, "trial_id", is_id, "a trial id"), need(line, "result", is_object, "an object"),
                need(line, "status", is_status, "a trial status", false),
                need(line, "decision", is_decision, "a decision", false),
                need(line, "extra", is_object, "an object", false)};
  } else if (event == "status") {
    problems = {need(line, "trial_id", is_id, "a trial id"), need(line, "status", is_status, "a trial status"),
                need(line, "reason", is_string, "a string", false)};
  } else if (event == "tuning_start") {
    problems = {need(line, "tuner_name", is_string, "a string", false),
                need(line, "resumed", is_bool, "a boolean", false)};
  } else if (event == "tuning_end") {
    problems = {need(line, "reason", is_string, "a string", false)};
  } else {
    return "unknown event '" + event + "'";
  }
  for (auto& p : problems)
    if (p) return p;
  return std::nullopt;
}

std::size_t read_journal_lines(const std::filesystem::path& path,
                               const std::function<void(const JournalLine&)>& on_line,
                               std::int64_t from_offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError("cannot read the result journal " + path.string());
  std::string text;
  std::size_t skipped = 0, number = 0;
  std::int64_t offset = 0;
  while (std::getline(in, text)) {
    const std::int64_t begin = offset;
    const bool terminated = !in.eof();  // getline stopped at a newline, not at the end
    offset += static_cast<std::int64_t>(text.size()) + (terminated ? 1 : 0);
    ++number;
    if (begin < from_offset || text.empty()) continue;
    Json j;
    try {
      j = parse_json_lenient(text);
    } catch (const Error& e) {
      warn_skipped(path, number, terminated ? std::string(e.what())
                                            : "torn last line (no newline: the writer stopped mid-line)");
      ++skipped;
      continue;
    }
    if (auto problem = journal_line_problem(j)) {
      warn_skipped(path, number, *problem);
      ++skipped;
      continue;
    }
    try {
      on_line(JournalLine{j, number, begin});
    } catch (const std::exception& e) {
      throw StorageError(path.string() + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return skipped;
}

std::size_t read_journal(const std::filesystem::path& path,
                         const std::function<void(const Json&)>& on_line,
                         std::int64_t from_offset) {
  return read_journal_lines(path, [&](const JournalLine& l) { on_line(l.json); }, from_offset);
}

bool repair_torn_journal_tail(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError("cannot read the result journal " + path.string());
  // The torn line is the tail after the last newline: read backwards in blocks until found.
  std::string tail;
  std::uintmax_t start = size;
  constexpr std::uintmax_t kBlock = 1 << 16;
  for (;;) {
    const std::uintmax_t n = std::min<std::uintmax_t>(kBlock, start);
    start -= n;
    std::string block(n, '\0');
    in.seekg(static_cast<std::streamoff>(start));
    in.read(block.data(), static_cast<std::streamsize>(n));
    if (!in) throw StorageError("cannot read the result journal " + path.string());
    tail.insert(0, block);
    const auto nl = tail.rfind('\n');
    if (nl != std::string::npos) {
      start += nl + 1;
      tail.erase(0, nl + 1);
      break;
    }
    if (start == 0) break;
  }
  if (tail.empty()) return false;  // ends with a newline: nothing torn
  // Line number of the torn line, for the warning: newlines before it, plus one.
  in.clear();
  in.seekg(0);
  std::size_t number = 1;
  std::string block(kBlock, '\0');
  for (std::uintmax_t pos = 0; pos < start;) {
    const auto n = static_cast<std::streamsize>(std::min<std::uintmax_t>(kBlock, start - pos));
    in.read(block.data(), n);
    number += static_cast<std::size_t>(std::count(block.data(), block.data() + n, '\n'));
    pos += static_cast<std::uintmax_t>(n);
  }
  in.close();
  bool complete = false;
  try {
    complete = parse_json_lenient(tail).is_object();
  } catch (const Error&) {
  }
  if (complete) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    const bool ok = fd >= 0 && write_all(fd, "\n", 1);
    if (fd >= 0) ::close(fd);
    if (!ok) throw StorageError("cannot repair the result journal " + path.string() + ": " + std::strerror(errno));
    std::cerr << "[synetune] warning: " << path.string() << ":" << number
              << ": the last line had no newline (the writer stopped mid-line); added one\n";
  } else {
    std::filesystem::resize_file(path, start, ec);
    if (ec) throw StorageError("cannot repair the result journal " + path.string() + ": " + ec.message());
    std::cerr << "[synetune] warning: " << path.string() << ":" << number << ": removed a torn last line ("
              << tail.size() << " bytes of an event cut short when the writer stopped)\n";
  }
  return true;
}

}  // namespace synetune
