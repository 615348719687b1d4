#pragma once
/// Header-only reporter for C++ training programs: prints Syne Tune's wire format
///   [tune-metric]: {"epoch": 1, "val_loss": 0.5, "st_worker_timestamp": ..., ...}
/// exactly as Python's `syne_tune.Reporter` does (json.dumps default separators, Python float
/// repr, bare NaN / Infinity), one flushed line per report. Depends only on nlohmann/json so
/// that a training program needs no synetune library to link.
///
///   synetune::Reporter report;
///   report({{"epoch", 1}, {"val_loss", 0.5}});
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

#include "synetune/core/error.hpp"
#include "synetune/core/json.hpp"

namespace synetune {

/// Python's `repr(float)`: shortest round-trip digits, fixed notation for decimal exponents
/// in [-4, 16), otherwise `1e-05` / `1.5e+16` style. Non-finite values give `nan`, `inf`,
/// `-inf` (use `python_json_dumps` for the JSON spelling).
inline std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  if (s.front() == '-') {
    out += '-';
    s.remove_prefix(1);
  }
  const std::size_t e_pos = s.find('e');
  int exp10 = 0;
  std::from_chars(s.data() + e_pos + 1 + (s[e_pos + 1] == '+' ? 1 : 0), s.data() + s.size(),
                  exp10);
  std::string digits;  // significant digits without the point
  for (char c : s.substr(0, e_pos))
    if (c != '.') digits += c;
  const int nd = static_cast<int>(digits.size());
  if (exp10 >= -4 && exp10 < 16) {
    if (exp10 < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp10 - 1), '0');
      out += digits;
    } else if (exp10 + 1 >= nd) {
      out += digits;
      out.append(static_cast<std::size_t>(exp10 + 1 - nd), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(exp10 + 1));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(exp10 + 1));
    }
    return out;
  }
  out += digits[0];
  if (nd > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += 'e';
  out += exp10 < 0 ? '-' : '+';
  const int a = exp10 < 0 ? -exp10 : exp10;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

namespace reporter_detail {
inline void dumps_into(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += Json(it.key()).dump(-1, ' ', true);
        out += ": ";
        dumps_into(it.value(), out);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& v : j) {
        if (!first) out += ", ";
        first = false;
        dumps_into(v, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::number_float: {
      const double v = j.get<double>();
      if (std::isnan(v)) out += "NaN";
      else if (std::isinf(v)) out += v > 0 ? "Infinity" : "-Infinity";
      else out += python_float_repr(v);
      return;
    }
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::string:
      out += j.dump(-1, ' ', true);  // ensure_ascii, as Python's default
      return;
    default:
      out += j.dump();
  }
}
}  // namespace reporter_detail

/// Python's `json.dumps(obj)` with default arguments (", " and ": " separators, ASCII only,
/// NaN / Infinity for non-finite floats).
inline std::string python_json_dumps(const Json& j) {
  std::string out;
  reporter_detail::dumps_into(j, out);
  return out;
}

/// Prefix of a metric line (Syne Tune's `ST_METRIC_TAG` in brackets, then ": ").
inline constexpr std::string_view kMetricLinePrefix = "[tune-metric]: ";
/// Serialized reports must be shorter than this (Syne Tune's guard).
inline constexpr std::size_t kMaxReportBytes = 50000;

class Reporter {
 public:
  /// `add_time` adds `st_worker_time` (seconds since construction, steady clock).
  explicit Reporter(std::ostream& out = std::cout, bool add_time = true)
      : out_(&out), add_time_(add_time), start_(std::chrono::steady_clock::now()) {}

  /// Reports one result. `metrics` must be a JSON object without null values and without keys
  /// starting with `st_` (reserved); throws InvalidArgument otherwise.
  void operator()(const Json& metrics) {
    if (!metrics.is_object())
      throw InvalidArgument("Reporter: metrics must be a JSON object like {{\"epoch\", 1}}");
    Json line = Json::object();
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
      if (it.key().rfind("st_", 0) == 0)
        throw InvalidArgument("Reporter: metric name '" + it.key() +
                              "' starts with 'st_', which is reserved for Syne Tune; rename it");
      if (it.value().is_null())
        throw InvalidArgument("Reporter: metric '" + it.key() + "' is null; report a value");
      line[it.key()] = it.value();
    }
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    line["st_worker_timestamp"] = std::chrono::duration<double>(wall).count();
    if (add_time_)
      line["st_worker_time"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    line["st_worker_iter"] = iter_++;
    std::string text = python_json_dumps(line);
    if (text.size() >= kMaxReportBytes)
      throw InvalidArgument("Reporter: report of " + std::to_string(text.size()) +
                            " bytes is too large (limit 50000); report fewer values");
    std::string out(kMetricLinePrefix);
    out += text;
    out += '\n';
    out_->write(out.data(), static_cast<std::streamsize>(out.size()));
    out_->flush();
  }

  /// Number of reports so far (the next `st_worker_iter`).
  std::int64_t iterations() const { return iter_; }

 private:
  std::ostream* out_;
  bool add_time_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t iter_ = 0;
};

}  // namespace synetune
