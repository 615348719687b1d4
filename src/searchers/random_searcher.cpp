#include "synetune/searchers/random_searcher.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

#include "synetune/core/error.hpp"

namespace synetune {

std::vector<Config> impute_points_to_evaluate(const ConfigSpace& space,
                                              const std::optional<std::vector<Config>>& points) {
  const std::vector<Config> given = points ? *points : std::vector<Config>{Json::object()};
  const Config mid = space.midpoint();
  std::vector<Config> out;
  ExclusionList seen;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const Config& p = given[i];
    if (!p.is_object())
      throw InvalidArgument("points_to_evaluate[" + std::to_string(i) +
                            "] must be a JSON object name -> value, got " + p.dump());
    for (auto it = p.begin(); it != p.end(); ++it)
      if (space.find(it.key()) == nullptr)
        throw InvalidArgument("points_to_evaluate[" + std::to_string(i) + "] has key '" +
                              it.key() + "', which is not in the config space");
    Config full = mid;
    for (auto it = p.begin(); it != p.end(); ++it) full[it.key()] = it.value();
    Config c = space.postprocess(full);
    const std::string key = space.match_string(c);
    if (seen.contains(key)) continue;
    seen.add(key);
    out.push_back(std::move(c));
  }
  return out;
}

void ExclusionList::load_state(const Json& j) {
  set_.clear();
  order_.clear();
  for (const auto& k : j) add(k.get<std::string>());
}

RandomSearcher::RandomSearcher(ConfigSpace space, Rng rng, RandomSearcherOptions options)
    : space_(std::move(space)),
      rng_(std::move(rng)),
      allow_duplicates_(options.allow_duplicates),
      restrict_(std::move(options.restrict_configurations)) {
  const std::size_t n = restrict_.size();
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw InvalidArgument("restrict_configurations: more than 2^32 - 1 configurations");
  // One match string per entry, kept only as a hash: it validates the entry (missing or
  // uncastable values throw) and lets other configs be mapped into the list. The entries
  // themselves are cast (postprocessed) only when drawn.
  key_hashes_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    try {
      key_hashes_.emplace_back(std::hash<std::string>{}(space_.match_string(restrict_[i])),
                               static_cast<std::uint32_t>(i));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("restrict_configurations[" + std::to_string(i) + "]: " + e.what());
    }
  }
  std::sort(key_hashes_.begin(), key_hashes_.end());
  // Entries with equal match strings are one config: they share the group of the first one.
  for (std::size_t a = 0; a < n;) {
    std::size_t b = a + 1;
    while (b < n && key_hashes_[b].first == key_hashes_[a].first) ++b;
    if (b - a > 1) {  // equal hashes (rare): compare the strings; indices ascend in the run
      std::vector<std::string> keys;
      for (std::size_t i = a; i < b; ++i) keys.push_back(space_.match_string(restrict_[key_hashes_[i].second]));
      for (std::size_t i = a + 1; i < b; ++i)
        for (std::size_t j = a; j < i; ++j)
          if (keys[i - a] == keys[j - a]) {
            if (group_.empty()) {
              group_.resize(n);
              std::iota(group_.begin(), group_.end(), 0U);
            }
            group_[key_hashes_[i].second] = group_[key_hashes_[j].second];
            break;
          }
    }
    a = b;
  }
  remaining_.resize(n);
  std::iota(remaining_.begin(), remaining_.end(), std::size_t{0});
  used_.assign(n, false);
  initial_ = impute_points_to_evaluate(space_, options.points_to_evaluate);
  if (n > 0) {
    // Initial configs outside the allowed list cannot be evaluated (e.g. on a table).
    std::vector<Config> kept;
    for (auto& c : initial_) {
      const std::size_t g = group_of_key(space_.match_string(c));
      if (g == kNotListed) continue;
      kept.push_back(std::move(c));
      initial_group_.push_back(g);
    }
    initial_ = std::move(kept);
  }
}

std::size_t RandomSearcher::group_of_key(const std::string& key) const {
  const std::uint64_t h = std::hash<std::string>{}(key);
  for (auto it = std::lower_bound(key_hashes_.begin(), key_hashes_.end(), std::make_pair(h, std::uint32_t{0}));
       it != key_hashes_.end() && it->first == h; ++it)
    if (space_.match_string(restrict_[it->second]) == key) return group_of_index(it->second);
  return kNotListed;
}

bool RandomSearcher::is_last_suggested(TrialId trial_id, const Config& config) const {
  if (trial_id != last_trial_id_ || last_index_ == kNotListed) return false;
  const Config& entry = restrict_[last_index_];
  for (const auto& hp : space_.hyperparameters()) {
    if (hp.is_constant()) continue;
    const auto a = config.find(hp.name), b = entry.find(hp.name);
    if (a == config.end() || b == entry.end() || *a != *b) return false;
  }
  return true;
}

std::optional<Config> RandomSearcher::next_initial() {
  while (!initial_.empty()) {
    Config c = std::move(initial_.front());
    initial_.erase(initial_.begin());
    if (restrict_.empty()) {
      if (allow_duplicates_ || !excluded_.contains(space_.match_string(c))) return c;
      continue;
    }
    const std::size_t g = initial_group_.front();
    initial_group_.erase(initial_group_.begin());
    if (allow_duplicates_) return c;
    if (!used_[g]) {
      used_[g] = true;
      return c;
    }
  }
  return std::nullopt;
}

std::optional<Config> RandomSearcher::draw_restricted() {
  std::size_t idx = kNotListed;
  if (allow_duplicates_) {
    idx = rng_.index(restrict_.size());
  } else {
    while (!remaining_.empty() && idx == kNotListed) {
      const std::size_t pos = rng_.index(remaining_.size());
      const std::size_t cand = remaining_[pos];
      remaining_[pos] = remaining_.back();
      remaining_.pop_back();
      if (!used_[group_of_index(cand)]) idx = cand;
    }
    if (idx == kNotListed) return std::nullopt;
    used_[group_of_index(idx)] = true;
  }
  last_index_ = idx;
  try {
    return space_.postprocess(restrict_[idx]);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("restrict_configurations[" + std::to_string(idx) + "]: " + e.what());
  }
}

std::optional<Config> RandomSearcher::suggest(TrialId trial_id) {
  last_trial_id_ = trial_id;
  last_index_ = kNotListed;
  std::optional<Config> config = next_initial();
  if (!restrict_.empty()) return config ? config : draw_restricted();  // both mark used_
  if (!config) {
    if (allow_duplicates_) {
      config = space_.sample(rng_);
    } else {
      const auto card = space_.cardinality();
      if (!card || excluded_.size() < *card) {
        for (int i = 0; i < kMaxRetries && !config; ++i) {
          Config c = space_.sample(rng_);
          if (!excluded_.contains(space_.match_string(c))) config = std::move(c);
        }
      }
    }
  }
  if (config && !allow_duplicates_) excluded_.add(space_.match_string(*config));
  return config;
}

void RandomSearcher::on_trial_add(TrialId trial_id, const Config& config) {
  // Configs started by someone else (e.g. a scheduler's own suggestion) are not repeated.
  if (allow_duplicates_) return;
  if (restrict_.empty()) {
    excluded_.add(space_.match_string(config));
    return;
  }
  if (is_last_suggested(trial_id, config)) return;  // the common case: marked in suggest
  // Configs outside the list can never be drawn, so they need no record.
  if (const std::size_t g = group_of_key(space_.match_string(config)); g != kNotListed) used_[g] = true;
}

Json RandomSearcher::save_state() const {
  Json j = Json::object();
  j["rng"] = rng_.save_state();
  j["points_to_evaluate"] = initial_;
  j["remaining"] = remaining_;
  if (restrict_.empty()) {
    j["excluded"] = excluded_.save_state();
    return j;
  }
  // Entries no longer in "remaining" were drawn, hence used: only used entries still
  // remaining (added by others, or duplicates of drawn ones) are listed.
  std::vector<std::size_t> excluded_index;
  for (const std::size_t idx : remaining_)
    if (used_[group_of_index(idx)]) excluded_index.push_back(idx);
  j["excluded_index"] = std::move(excluded_index);
  return j;
}

void RandomSearcher::load_state(const Json& state) {
  rng_.load_state(state.at("rng"));
  initial_ = state.at("points_to_evaluate").get<std::vector<Config>>();
  remaining_ = state.at("remaining").get<std::vector<std::size_t>>();
  if (restrict_.empty()) {
    excluded_.load_state(state.at("excluded"));
    return;
  }
  const std::size_t n = restrict_.size();
  used_.assign(n, false);
  std::vector<bool> in_remaining(n, false);
  for (const std::size_t idx : remaining_) {
    if (idx >= n) throw StorageError("RandomSearcher state: index " + std::to_string(idx) + " beyond the list");
    in_remaining[idx] = true;
  }
  if (!allow_duplicates_)
    for (std::size_t idx = 0; idx < n; ++idx)
      if (!in_remaining[idx]) used_[group_of_index(idx)] = true;
  if (const auto it = state.find("excluded_index"); it != state.end()) {
    for (const auto& v : *it) {
      const auto idx = v.get<std::size_t>();
      if (idx >= n) throw StorageError("RandomSearcher state: index " + std::to_string(idx) + " beyond the list");
      used_[group_of_index(idx)] = true;
    }
  } else {  // older form: match strings of all suggested and added configs
    for (const auto& k : state.at("excluded"))
      if (const std::size_t g = group_of_key(k.get<std::string>()); g != kNotListed) used_[g] = true;
  }
  initial_group_.clear();
  std::vector<Config> kept;
  for (auto& c : initial_)
    if (const std::size_t g = group_of_key(space_.match_string(c)); g != kNotListed) {
      kept.push_back(std::move(c));
      initial_group_.push_back(g);
    }
  initial_ = std::move(kept);
  last_trial_id_ = -1;
  last_index_ = kNotListed;
}

}  // namespace synetune
