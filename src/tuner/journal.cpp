#include "synetune/tuner/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

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

std::size_t read_journal(const std::filesystem::path& path,
                         const std::function<void(const Json&)>& on_line,
                         std::int64_t from_offset) {
  std::ifstream in(path);
  if (!in) throw StorageError("cannot read the result journal " + path.string());
  if (from_offset > 0) in.seekg(from_offset);
  std::string line;
  std::size_t skipped = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (in.eof() && line.back() != '}') {  // truncated last line (killed mid-write)
      ++skipped;
      break;
    }
    Json j;
    try {
      j = parse_json_lenient(line);
    } catch (const Error&) {
      ++skipped;
      continue;
    }
    if (!j.is_object() || !j.contains("event")) {
      ++skipped;
      continue;
    }
    on_line(j);
  }
  return skipped;
}

}  // namespace synetune
