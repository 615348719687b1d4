#include "tuner/result_check.hpp"

namespace synetune {
namespace {

// The keys the script reported (st_* keys are added by the reporter and the tuner).
std::string reported_keys(const Result& r) {
  std::string out;
  auto add = [&](const std::string& k) {
    if (k.rfind("st_", 0) != 0) out += (out.empty() ? "" : ", ") + k;
  };
  for (const auto& kv : r.values) add(kv.first);
  if (r.extra.is_object())
    for (auto it = r.extra.begin(); it != r.extra.end(); ++it) add(it.key());
  return out.empty() ? "none besides st_* keys" : out;
}

}  // namespace

ResultVerdict check_reported_result(const Result& result,
                                    const std::vector<std::string>& metric_names,
                                    bool first_of_trial) {
  // Result::from_json keeps numbers (and booleans) in `values`, anything else in `extra`.
  for (const auto& m : metric_names) {
    if (!result.extra.is_object() || !result.extra.contains(m)) continue;
    const Json& v = result.extra[m];
    const std::string what = v.is_string() ? "the string " + v.dump() : v.dump();
    return {ResultVerdict::Kind::kFailTrial, "metric " + m + " is " + what + ", not a number"};
  }
  if (first_of_trial && !metric_names.empty() && !result.has(metric_names.front())) {
    const std::string& m = metric_names.front();
    return {ResultVerdict::Kind::kStopTuning,
            "trial " + std::to_string(result.trial_id) + " reported a result without the metric '" +
                m + "' that is tuned (--metric); the keys it reported: " + reported_keys(result) +
                ". Pass one of those to --metric, or make the script report '" + m + "'"};
  }
  return {};
}

}  // namespace synetune
