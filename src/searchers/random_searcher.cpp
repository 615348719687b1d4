#include "synetune/searchers/random_searcher.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>
#include <variant>

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

namespace {

// Printed value of one hyperparameter exactly as ConfigSpace::match_string prints it, for the
// common cases (a number inside a numeric range, a category given verbatim): those casts
// change nothing, so the value is printed as is. Empty if another cast would be needed.
std::string_view printed_value(const Domain& domain, const Json& v, std::span<char, 32> buf) {
  const auto done = [&](std::to_chars_result r) { return std::string_view(buf.data(), r.ptr); };
  if (const auto* d = std::get_if<FloatDomain>(&domain)) {
    if (!v.is_number()) return {};
    const double f = v.get<double>();
    if (!(f >= d->lower && f <= d->upper)) return {};
    return done(std::to_chars(buf.data(), buf.data() + buf.size(), f, std::chars_format::scientific, 6));
  }
  if (const auto* d = std::get_if<IntDomain>(&domain)) {
    constexpr std::int64_t kExact = std::int64_t{1} << 53;  // match_string goes through a double
    if (!v.is_number_integer()) return {};
    const auto i = v.get<std::int64_t>();
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kExact)) return {};
    if (i < d->lower || i > d->upper || i > kExact || i < -kExact) return {};
    return done(std::to_chars(buf.data(), buf.data() + buf.size(), i));
  }
  const std::vector<Json>* cats = nullptr;
  if (const auto* d = std::get_if<CategoricalDomain>(&domain)) cats = &d->categories;
  if (const auto* d = std::get_if<OrdinalDomain>(&domain); d && d->kind == "equal") cats = &d->categories;
  if (cats == nullptr) return {};
  for (std::size_t i = 0; i < cats->size(); ++i)
    if ((*cats)[i] == v) return done(std::to_chars(buf.data(), buf.data() + buf.size(), i));
  return {};
}

}  // namespace

RandomSearcher::RandomSearcher(ConfigSpace space, Rng rng, RandomSearcherOptions options)
    : space_(std::move(space)),
      rng_(std::move(rng)),
      allow_duplicates_(options.allow_duplicates),
      restrict_(std::move(options.restrict_configurations)) {
  const std::size_t n = restrict_.size();
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw InvalidArgument("restrict_configurations: more than 2^32 - 1 configurations");
  if (n > 0) {
    for (const auto& hp : space_.hyperparameters()) {
      single_.emplace_back();
      if (!hp.is_constant()) single_.back().add(hp.name, hp.domain);
    }
    // Each entry is hashed (which validates it: missing or uncastable values throw); entries
    // with equal match strings are one config, the group of the first one. The entries
    // themselves are cast (postprocessed) only when drawn.
    std::size_t n_slots = 2;
    while (n_slots < 2 * n) n_slots *= 2;  // load factor <= 1/2: short probe runs
    slots_.assign(n_slots, Slot{});
    const std::size_t mask = n_slots - 1;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t h = 0;
      try {
        h = key_hash(restrict_[i]);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument("restrict_configurations[" + std::to_string(i) + "]: " + e.what());
      }
      std::string key;  // built only for a hash match (a duplicate, or rarely a collision)
      std::size_t s = h & mask;
      bool duplicate = false;
      for (; slots_[s].index_plus_1 != 0 && !duplicate; s = (s + 1) & mask) {
        if (slots_[s].hash != h) continue;
        const std::size_t first = slots_[s].index_plus_1 - 1;
        if (key.empty()) key = space_.match_string(restrict_[i]);
        if (space_.match_string(restrict_[first]) != key) continue;
        if (group_.empty()) {
          group_.resize(n);
          std::iota(group_.begin(), group_.end(), 0U);
        }
        group_[i] = static_cast<std::uint32_t>(first);
        duplicate = true;
      }
      if (!duplicate) slots_[s] = Slot{h, static_cast<std::uint32_t>(i + 1)};
    }
  }
  remaining_.resize(n);
  std::iota(remaining_.begin(), remaining_.end(), std::size_t{0});
  used_.assign(n, false);
  initial_ = impute_points_to_evaluate(space_, options.points_to_evaluate);
  if (n > 0) {
    // Initial configs outside the allowed list cannot be evaluated (e.g. on a table).
    std::vector<Config> kept;
    for (auto& c : initial_) {
      const std::size_t g = group_of_config(c);
      if (g == kNotListed) continue;
      kept.push_back(std::move(c));
      initial_group_.push_back(g);
    }
    initial_ = std::move(kept);
  }
}

std::uint64_t RandomSearcher::key_hash(const Config& config) const {
  std::uint64_t h = 0;
  std::array<char, 32> buf{};
  const auto& hps = space_.hyperparameters();
  for (std::size_t k = 0; k < hps.size(); ++k) {
    if (hps[k].is_constant()) continue;
    const auto it = config.find(hps[k].name);
    std::string_view text;
    if (it != config.end()) text = printed_value(hps[k].domain, *it, buf);
    std::string exact;
    if (text.empty()) {  // missing, or cast needed: match_string of this value alone (may throw)
      exact = single_[k].match_string(config);
      text = std::string_view(exact).substr(hps[k].name.size() + 1);  // after "name:"
    }
    std::uint64_t t = 14695981039346656037ULL;  // FNV-1a of the text, mixed in by position
    for (const char c : text) t = (t ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ t) * 0x9e3779b97f4a7c15ULL + k;
    h ^= h >> 29;
  }
  return h;
}

std::size_t RandomSearcher::group_of_config(const Config& config) const {
  const std::uint64_t h = key_hash(config);
  const std::size_t mask = slots_.size() - 1;
  std::string key;
  for (std::size_t s = h & mask; slots_[s].index_plus_1 != 0; s = (s + 1) & mask) {
    if (slots_[s].hash != h) continue;
    const std::size_t first = slots_[s].index_plus_1 - 1;  // slots hold first entries: groups
    if (key.empty()) key = space_.match_string(config);
    if (space_.match_string(restrict_[first]) == key) return first;
  }
  return kNotListed;
}

std::size_t RandomSearcher::group_of_key(const std::string& key) {
  if (group_by_key_.empty())
    for (std::size_t i = 0; i < restrict_.size(); ++i)
      group_by_key_.emplace(space_.match_string(restrict_[i]), group_of_index(i));  // first wins
  const auto it = group_by_key_.find(key);
  return it == group_by_key_.end() ? kNotListed : it->second;
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
  if (const std::size_t g = group_of_config(config); g != kNotListed) used_[g] = true;
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
    if (const std::size_t g = group_of_config(c); g != kNotListed) {
      kept.push_back(std::move(c));
      initial_group_.push_back(g);
    }
  initial_ = std::move(kept);
  last_trial_id_ = -1;
  last_index_ = kNotListed;
}

}  // namespace synetune
