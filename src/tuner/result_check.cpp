#include "tuner/result_check.hpp"

#include <charconv>
#include <cmath>
#include <optional>

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

// Why `result` does not carry the resource that `need` asks for; nullopt when it does.
// Runs on every result: the message is built only when there is a problem.
std::optional<std::string> resource_problem(const Result& result, const std::string& attr, ResourceNeed need) {
  const char* rule = need == ResourceNeed::kPositiveInteger ? "; the resource attribute must be a positive integer"
                                                            : "; the resource attribute must be a number";
  auto trial = [&] { return "trial " + std::to_string(result.trial_id); };
  // Result::from_json keeps numbers (and booleans) in `values`, anything else in `extra`.
  if (result.extra.is_object() && result.extra.contains(attr))
    return trial() + " reported " + attr + " = " + result.extra[attr].dump() + rule;
  if (!result.has(attr))
    return trial() + " reported a result without " + attr + " (--resource-attr)" + rule;
  const double r = result.get(attr);
  // A rung level is an integer count: up to 2^53, where doubles stop holding every integer.
  const bool ok = need == ResourceNeed::kNumber ? !std::isnan(r)
                                                : r >= 1.0 && r <= 9007199254740992.0 && r == std::floor(r);
  if (ok) return std::nullopt;
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, r).ptr;  // shortest form: 1.5, not 1.500000
  return trial() + " reported " + attr + " = " + std::string(text, end) + rule;
}

}  // namespace

ResultVerdict check_reported_result(const Result& result, const ResultNeeds& needs, bool first_of_trial) {
  for (const auto& m : needs.metric_names) {
    if (!result.extra.is_object() || !result.extra.contains(m)) continue;
    const Json& v = result.extra[m];
    const std::string what = v.is_string() ? "the string " + v.dump() : v.dump();
    return {ResultVerdict::Kind::kFailTrial, "metric " + m + " is " + what + ", not a number"};
  }
  const bool reads_every_result = needs.resource_need != ResourceNeed::kNone;
  if (!needs.metric_names.empty() && !result.has(needs.metric_names.front())) {
    const std::string& m = needs.metric_names.front();
    if (first_of_trial)
      return {ResultVerdict::Kind::kStopTuning,
              "trial " + std::to_string(result.trial_id) + " reported a result without the metric '" + m +
                  "' that is tuned (--metric); the keys it reported: " + reported_keys(result) +
                  ". Pass one of those to --metric, or make the script report '" + m + "'"};
    if (reads_every_result)
      return {ResultVerdict::Kind::kFailTrial,
              "trial " + std::to_string(result.trial_id) + " reported a result without the metric '" + m +
                  "' (the keys it reported: " + reported_keys(result) +
                  "); the scheduler needs the metric in every result"};
  }
  if (reads_every_result)
    if (auto problem = resource_problem(result, needs.resource_attr, needs.resource_need))
      return {ResultVerdict::Kind::kFailTrial, std::move(*problem)};
  return {};
}

}  // namespace synetune
