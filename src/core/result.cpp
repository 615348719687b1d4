#include "synetune/core/result.hpp"

namespace synetune {

Json Result::to_json() const {
  Json j = Json::object();
  for (const auto& [k, v] : values) j[k] = v;
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

Result Result::from_json(TrialId trial_id, const Json& obj) {
  Result r;
  r.trial_id = trial_id;
  r.values.reserve(obj.size());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const Json& v = it.value();
    if (v.is_number()) {
      r.values.emplace_back(it.key(), v.get<double>());
    } else if (v.is_boolean()) {
      r.values.emplace_back(it.key(), v.get<bool>() ? 1.0 : 0.0);
    } else {
      if (!r.extra.is_object()) r.extra = Json::object();
      r.extra[it.key()] = v;
    }
  }
  return r;
}

}  // namespace synetune
