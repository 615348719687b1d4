#pragma once
/// JSON value type used across synetune. Insertion-ordered so that configs, metadata and
/// reported metrics keep the order in which they were written (as Syne Tune's dicts do).
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
/// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, const std::string& s);

}  // namespace synetune
