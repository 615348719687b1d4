#pragma once
/// JSON value type used across synetune. Insertion-ordered so that configs, metadata and
/// reported metrics keep the order in which they were written (as Syne Tune's dicts do).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace synetune {

using Json = nlohmann::ordered_json;

/// Parses JSON that may contain Python's non-standard tokens `NaN`, `Infinity`, `-Infinity`
/// (Syne Tune's Reporter emits them for non-finite floats). Throws `InvalidArgument` on
/// malformed input.
Json parse_json_lenient(std::string_view text);

/// Dumps compact JSON the way Python's `json.dumps` does for non-finite numbers (NaN,
/// Infinity). Floats print in their shortest exact form and keep a float marker ("3.0").
std::string dump_json_python(const Json& j);
/// Appends dump_json_python(j) to `out`, without a temporary string.
void append_json_python(std::string& out, const Json& j);
/// a == b with types compared too: 1 and 1.0 differ (nlohmann's == calls them equal), as do
/// their texts in a journal. NaN equals NaN.
bool identical_json(const Json& a, const Json& b);
/// Appends a float as dump_json_python does (shortest exact form, "3.0", NaN, Infinity).
void append_python_float(std::string& out, double v);
/// Appends an integer as dump_json_python does.
void append_python_int(std::string& out, std::int64_t v);
/// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, const std::string& s);
/// Appends "[c0,c1,...]", where `cell(i)` appends element i: large arrays of a checkpoint
/// written as text, without a document.
template <class Cell>
void append_json_array(std::string& out, std::size_t n, Cell&& cell) {
  out += '[';
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    cell(i);
  }
  out += ']';
}

}  // namespace synetune
