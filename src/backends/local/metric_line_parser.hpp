#pragma once
// Splits a trial's stdout into lines and extracts `[tune-metric]: {json}` objects the way
// Syne Tune's regex `\[tune-metric\]: (\{.*\})` does (tag anywhere in the line, greedy to the
// last '}'), with Python's NaN / Infinity tokens. Bad lines become warnings, never errors.
#include <string>
#include <string_view>
#include <vector>

#include "synetune/core/json.hpp"

namespace synetune::local {

class MetricLineParser {
 public:
  /// Lines longer than this are skipped (Syne Tune's reporter refuses such reports).
  static constexpr std::size_t kMaxLineBytes = 50000;

  /// Consumes a chunk of stdout; complete metric lines append their JSON object to `metrics`,
  /// skipped ones a message to `warnings`.
  void feed(std::string_view data, std::vector<Json>& metrics, std::vector<std::string>& warnings);
  /// End of output: parses an unterminated last line.
  void finish(std::vector<Json>& metrics, std::vector<std::string>& warnings);

 private:
  void parse_line(std::string_view line, std::vector<Json>& metrics,
                  std::vector<std::string>& warnings) const;
  std::string partial_;
  bool overlong_ = false;
  bool overlong_metric_ = false;
};

}  // namespace synetune::local
