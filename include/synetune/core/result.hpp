#pragma once
/// One reported result: the metrics of one `[tune-metric]:` line (or one simulated report).
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

struct Result {
  TrialId trial_id = -1;
  /// Numeric entries in reported order (user keys first, then st_worker_*). Kept flat rather
  /// than as a JSON object: schedulers read a few keys per result on the hot path.
  std::vector<std::pair<std::string, double>> values;
  /// Non-numeric entries (strings, lists), rare; null when there are none.
  Json extra;

  /// Value of `key`, NaN when absent.
  double get(std::string_view key) const {
    for (const auto& [k, v] : values)
      if (k == key) return v;
    return std::numeric_limits<double>::quiet_NaN();
  }
  bool has(std::string_view key) const {
    for (const auto& kv : values)
      if (kv.first == key) return true;
    return false;
  }
  void set(std::string key, double v) {
    for (auto& kv : values)
      if (kv.first == key) {
        kv.second = v;
        return;
      }
    values.emplace_back(std::move(key), v);
  }
  /// The result as a JSON object (numbers, then extra entries).
  Json to_json() const;
  /// Builds a result from a JSON object; numbers and bools go to `values`, the rest to `extra`.
  static Result from_json(TrialId trial_id, const Json& obj);
};

}  // namespace synetune
