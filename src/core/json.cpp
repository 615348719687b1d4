#include "synetune/core/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

constexpr const char* kNaN = "\x01st-NaN";
constexpr const char* kPosInf = "\x01st-Infinity";
constexpr const char* kNegInf = "\x01st--Infinity";

// Replaces Python's bare NaN / Infinity / -Infinity tokens (outside strings) by sentinel
// strings that nlohmann can parse; restore_non_finite turns them back into doubles.
std::string quote_non_finite(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (text.compare(i, 3, "NaN") == 0) {
      out += "\"\\u0001";  // JSON-escaped sentinel: raw control characters are invalid
      out += kNaN + 1;
      out += '"';
      i += 2;
    } else if (text.compare(i, 9, "-Infinity") == 0) {
      out += "\"\\u0001";  // JSON-escaped sentinel: raw control characters are invalid
      out += kNegInf + 1;
      out += '"';
      i += 8;
    } else if (text.compare(i, 8, "Infinity") == 0) {
      out += "\"\\u0001";  // JSON-escaped sentinel: raw control characters are invalid
      out += kPosInf + 1;
      out += '"';
      i += 7;
    } else {
      out += c;
    }
  }
  return out;
}

void restore_non_finite(Json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (!s.empty() && s[0] == '\x01') {
      if (s == kNaN) j = std::numeric_limits<double>::quiet_NaN();
      else if (s == kPosInf) j = std::numeric_limits<double>::infinity();
      else if (s == kNegInf) j = -std::numeric_limits<double>::infinity();
    }
  } else if (j.is_structured()) {
    for (auto& v : j) restore_non_finite(v);
  }
}

}  // namespace

Json parse_json_lenient(std::string_view text) {
  bool needs_quoting = text.find("NaN") != std::string_view::npos ||
                       text.find("Infinity") != std::string_view::npos;
  try {
    if (!needs_quoting) return Json::parse(text.begin(), text.end());
    Json j = Json::parse(quote_non_finite(text));
    restore_non_finite(j);
    return j;
  } catch (const Json::exception& e) {
    throw InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

void append_json_string(std::string& out, const std::string& s) {
  for (unsigned char c : s)
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
      // Escapes and UTF-8 checks exactly as nlohmann does them (rare in our documents).
      out += Json(s).dump();
      return;
    }
  out += '"';
  out += s;
  out += '"';
}

bool identical_json(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return x == y ? std::signbit(x) == std::signbit(y) : (std::isnan(x) && std::isnan(y));
    }
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
        if (i.key() != j.key() || !identical_json(i.value(), j.value())) return false;
      return true;
    }
    case Json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t k = 0; k < a.size(); ++k)
        if (!identical_json(a[k], b[k])) return false;
      return true;
    }
    default:
      return a == b;
  }
}

void append_python_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
  } else if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    out.append(buf, p);
    // A float stays a float when read back ("3.0", not "3"): configs are matched by type.
    if (std::none_of(buf, p, [](char c) { return c == '.' || c == 'e'; })) out += ".0";
  }
}

void append_python_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void append_json_python(std::string& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::number_float: return append_python_float(out, j.get<double>());
    case Json::value_t::number_integer: return append_python_int(out, j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      char buf[24];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, j.get<std::uint64_t>());
      out.append(buf, p);
      return;
    }
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::string: return append_json_string(out, j.get_ref<const std::string&>());
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, it.key());
        out += ':';
        append_json_python(out, it.value());
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& v : j) {
        if (!first) out += ',';
        first = false;
        append_json_python(out, v);
      }
      out += ']';
      return;
    }
    default: out += j.dump();  // binary, discarded: not in our documents
  }
}

std::string dump_json_python(const Json& j) {
  std::string s;
  append_json_python(s, j);
  return s;
}

}  // namespace synetune
