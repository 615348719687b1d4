#include "synetune/core/json.hpp"

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

void quote_for_dump(Json& j, bool& any) {
  if (j.is_number_float()) {
    double v = j.get<double>();
    if (std::isnan(v)) j = kNaN, any = true;
    else if (std::isinf(v)) j = v > 0 ? kPosInf : kNegInf, any = true;
  } else if (j.is_structured()) {
    for (auto& v : j) quote_for_dump(v, any);
  }
}

bool has_non_finite(const Json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_structured())
    for (const auto& v : j)
      if (has_non_finite(v)) return true;
  return false;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
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

std::string dump_json_python(const Json& j) {
  // Copying a large document costs more than dumping it: copy only when there is something
  // to rewrite.
  if (!has_non_finite(j)) return j.dump();
  Json copy = j;
  bool any = false;
  quote_for_dump(copy, any);
  std::string s = copy.dump();
  if (any) {
    // nlohmann escapes the sentinel's control character as \u0001.
    replace_all(s, std::string("\"\\u0001") + (kNaN + 1) + "\"", "NaN");
    replace_all(s, std::string("\"\\u0001") + (kPosInf + 1) + "\"", "Infinity");
    replace_all(s, std::string("\"\\u0001") + (kNegInf + 1) + "\"", "-Infinity");
  }
  return s;
}

}  // namespace synetune
