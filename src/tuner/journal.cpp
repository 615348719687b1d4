#include "synetune/tuner/journal.hpp"

#include <charconv>
#include <cmath>
#include <fstream>

#include "synetune/core/error.hpp"

namespace synetune {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    out.append(buf, p);
    // Integral values keep a float marker only if they were floats; we cannot tell, and
    // readers (pandas, our loader) treat 3 and 3.0 alike.
  } else {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, p);
  }
}

namespace {
void append_integer(std::string& out, std::int64_t v) { append_json_python(out, Json(v)); }
}  // namespace

JournalWriter::JournalWriter(const std::filesystem::path& path, bool buffered)
    : buffered_(buffered) {
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) throw StorageError("cannot open the result journal " + path.string() + " for appending");
  // glibc ignores the size when it allocates the buffer itself (it takes the block size,
  // 4 KiB): a simulation would then make a write(2) per 4 KiB of journal.
  buffer_ = std::make_unique<char[]>(kBufferSize);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferSize);
}

JournalWriter::~JournalWriter() {
  if (file_) std::fclose(file_);
}

void JournalWriter::write_line(const std::string& line) {
  fwrite_unlocked(line.data(), 1, line.size(), file_);  // one thread writes the journal
  // Unbuffered mode (real backends): hand each line to the kernel at once, so a SIGKILL of
  // the tuner right after a decision cannot lose the result it was made on.
  if (!buffered_) std::fflush(file_);
}

void JournalWriter::flush() { std::fflush(file_); }

std::int64_t JournalWriter::offset() {
  std::fflush(file_);
  return static_cast<std::int64_t>(std::ftell(file_));
}

void JournalWriter::tuning_start(double time, const std::string& tuner_name, bool resumed) {
  Json j{{"event", "tuning_start"}, {"time", time}, {"tuner_name", tuner_name}, {"resumed", resumed}};
  write_line(dump_json_python(j) + "\n");
  flush();
}

void JournalWriter::trial_start(TrialId id, double time, bool resumed, const Config& config,
                                std::optional<TrialId> warm_start_from) {
  line_.clear();
  config_spans_.clear();
  line_ += "{\"event\":\"trial_start\",\"trial_id\":";
  append_integer(line_, id);
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
  if (warm_start_from) line_ += ",\"warm_start_from\":", append_integer(line_, *warm_start_from);
  line_ += "}\n";
  write_line(line_);
}

std::string_view JournalWriter::config_value_text(std::size_t i) const {
  if (i >= config_spans_.size()) return {};
  return std::string_view(line_).substr(config_spans_[i].first, config_spans_[i].second);
}

void JournalWriter::result(const Result& r, double time, TrialStatus status, Decision decision,
                           const Json& extra) {
  // One line per result: appended piecewise, without temporaries.
  line_.clear();
  number_spans_.clear();
  auto number = [&](double v) {
    const std::size_t begin = line_.size();
    append_number(line_, v);
    number_spans_.emplace_back(begin, line_.size() - begin);
  };
  line_ += "{\"event\":\"result\",\"trial_id\":";
  append_integer(line_, r.trial_id);
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
  write_line(line_);
}

std::string_view JournalWriter::number_text(std::size_t i) const {
  return std::string_view(line_).substr(number_spans_[i].first, number_spans_[i].second);
}

void JournalWriter::status(TrialId id, double time, TrialStatus status, const std::string& reason) {
  line_.clear();
  line_ += "{\"event\":\"status\",\"trial_id\":";
  append_integer(line_, id);
  line_ += ",\"time\":";
  append_number(line_, time);
  line_ += ",\"status\":\"";
  line_ += to_string(status);
  line_ += "\",\"reason\":";
  append_json_string(line_, reason);
  line_ += "}\n";
  write_line(line_);
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
