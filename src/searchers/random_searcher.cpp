#include "synetune/searchers/random_searcher.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <limits>
#include <numeric>
#include <optional>
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

// A float's match-string text is printf("%.6e"): sign, 7 significant digits, exponent. Its
// token packs those three, so equal texts give equal tokens.
std::uint64_t pack_float(bool negative, std::uint64_t digits, int exponent) {
  return digits | static_cast<std::uint64_t>(exponent + 1000) << 24 | static_cast<std::uint64_t>(negative) << 40;
}

// Token of a "%.6e" text ("-1.234567e-05").
std::uint64_t float_token(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::uint64_t digits = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e'; ++i)
    if (text[i] != '.') digits = digits * 10 + static_cast<std::uint64_t>(text[i] - '0');
  int exponent = 0;
  if (i + 1 < text.size()) std::from_chars(text.data() + i + (text[i + 1] == '+' ? 2 : 1), text.data() + text.size(), exponent);
  return pack_float(negative, digits, exponent);
}

// The same token computed in floating point, without printing: f = m * 10^(e-6) with m
// rounded to an integer in [10^6, 10^7). The scaling by an exact power of ten errs by less
// than 2e-9 in m, so the rounding is the exact one unless m lies within 1e-6 of a tie or of
// the decade's ends; then (and for exponents beyond the exact powers) nullopt.
std::optional<std::uint64_t> float_token(double f) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  static constexpr double kPow10Signed[] = {1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8,
                                            1e-7,  1e-6,  1e-5,  1e-4,  1e-3,  1e-2,  1e-1, 1e0,
                                            1e1,   1e2,   1e3,   1e4,   1e5,   1e6,   1e7,  1e8,
                                            1e9,   1e10,  1e11,  1e12,  1e13,  1e14,  1e15, 1e16};
  if (f == 0) return pack_float(std::signbit(f), 0, 0);  // "0.000000e+00"
  const double a = std::abs(f);
  if (!(a >= 1e-15 && a <= 1e15)) return std::nullopt;  // also NaN and infinities
  // floor(log10(a)) from the binary exponent (off by one at most, fixed by one comparison;
  // a value within rounding of a power of ten fails the range check on m below).
  int binary = 0;
  std::frexp(a, &binary);  // a in [2^(binary-1), 2^binary)
  int exponent = static_cast<int>(std::floor((binary - 1) * 0.30102999566398120));
  if (a >= kPow10Signed[exponent + 1 + 15]) ++exponent;  // 10^(exponent + 1)
  const int k = 6 - exponent;
  if (k < -22 || k > 22) return std::nullopt;
  const double m = k >= 0 ? a * kPow10[k] : a / kPow10[-k];
  if (!(m >= 1e6 + 1e-6 && m < 1e7 - 0.5 - 1e-6)) return std::nullopt;
  const double whole = std::floor(m), frac = m - whole;
  if (std::abs(frac - 0.5) < 1e-6) return std::nullopt;
  return pack_float(f < 0, static_cast<std::uint64_t>(whole) + (frac > 0.5 ? 1 : 0), exponent);
}

// Token of one hyperparameter's value, equal for equal match-string texts, in the common
// cases (a number inside a numeric range, a category given verbatim: casts that change
// nothing). nullopt if another cast would be needed (or a float is hard to round).
std::optional<std::uint64_t> fast_token(const Domain& domain, const Json& v) {
  if (const auto* d = std::get_if<FloatDomain>(&domain)) {
    if (!v.is_number()) return std::nullopt;
    const double f = v.get<double>();
    if (!(f >= d->lower && f <= d->upper)) return std::nullopt;
    return float_token(f);
  }
  if (const auto* d = std::get_if<IntDomain>(&domain)) {
    constexpr std::int64_t kExact = std::int64_t{1} << 53;  // match_string goes through a double
    if (!v.is_number_integer()) return std::nullopt;
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kExact)) return std::nullopt;
    const auto i = v.get<std::int64_t>();
    if (i < d->lower || i > d->upper || i > kExact || i < -kExact) return std::nullopt;
    return static_cast<std::uint64_t>(i);
  }
  const std::vector<Json>* cats = nullptr;
  if (const auto* d = std::get_if<CategoricalDomain>(&domain)) cats = &d->categories;
  if (const auto* d = std::get_if<OrdinalDomain>(&domain); d && d->kind == "equal") cats = &d->categories;
  if (cats == nullptr) return std::nullopt;
  for (std::size_t i = 0; i < cats->size(); ++i)
    if ((*cats)[i] == v) return i;
  return std::nullopt;
}

// Token of a match-string text of a domain other than FloatDomain: the integer it prints
// (an int, a category or grid index), else a hash of the text.
std::uint64_t text_token(std::string_view text) {
  std::int64_t i = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), i);
  if (r.ec == std::errc{} && r.ptr == text.data() + text.size()) return static_cast<std::uint64_t>(i);
  std::uint64_t t = 14695981039346656037ULL;  // FNV-1a
  for (const char c : text) t = (t ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return t;
}

}  // namespace

RandomSearcher::RandomSearcher(ConfigSpace space, Rng rng, RandomSearcherOptions options)
    : space_(std::move(space)),
      rng_(std::move(rng)),
      allow_duplicates_(options.allow_duplicates),
      restrict_(std::move(options.restrict_configurations)),
      restrict_canonical_(restrict_.canonical_for(space_)) {
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
    std::vector<std::uint64_t> hashes(n);
    for (std::size_t i = 0; i < n; ++i) {
      try {
        hashes[i] = key_hash(restrict_[i]);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument("restrict_configurations[" + std::to_string(i) + "]: " + e.what());
      }
    }
    constexpr std::size_t kAhead = 16;  // slots are hit at random: fetch them ahead
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) __builtin_prefetch(&slots_[hashes[i + kAhead] & mask]);
      const std::uint64_t h = hashes[i];
      std::string key;  // built only for a hash match (a duplicate, or rarely a collision)
      std::size_t s = h & mask;
      bool duplicate = false;
      for (; slots_[s].index_plus_1 != 0 && !duplicate; s = (s + 1) & mask) {
        if (slots_[s].tag != static_cast<std::uint32_t>(h >> 32)) continue;
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
      if (!duplicate) slots_[s] = Slot{static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(i + 1)};
    }
  }
  remaining_.resize(n);
  std::iota(remaining_.begin(), remaining_.end(), std::size_t{0});
  used_.assign(n, false);
  initial_ = impute_points_to_evaluate(space_, options.points_to_evaluate);
  if (n > 0) keep_listed_initial();
}

void RandomSearcher::keep_listed_initial() {
  // Initial configs outside the allowed list cannot be evaluated (e.g. on a table).
  initial_group_.clear();
  std::vector<Config> kept;
  for (auto& c : initial_)
    if (const std::size_t g = group_of_config(c); g != kNotListed) {
      kept.push_back(std::move(c));
      initial_group_.push_back(g);
    }
  initial_ = std::move(kept);
}

std::uint64_t RandomSearcher::key_hash(const Config& config) const {
  std::uint64_t h = 0;
  const auto& hps = space_.hyperparameters();
  for (std::size_t k = 0; k < hps.size(); ++k) {
    if (hps[k].is_constant()) continue;
    const auto it = config.find(hps[k].name);
    std::optional<std::uint64_t> token;
    if (it != config.end()) token = fast_token(hps[k].domain, *it);
    if (!token) {  // missing, or cast needed: match_string of this value alone (may throw)
      const std::string exact = single_[k].match_string(config);
      const std::string_view text = std::string_view(exact).substr(hps[k].name.size() + 1);  // after "name:"
      token = std::holds_alternative<FloatDomain>(hps[k].domain) ? float_token(text) : text_token(text);
    }
    h = (h ^ *token) * 0x9e3779b97f4a7c15ULL + k;
    h ^= h >> 29;
  }
  return h;
}

std::size_t RandomSearcher::group_of_config(const Config& config) const {
  const std::uint64_t h = key_hash(config);
  const std::size_t mask = slots_.size() - 1;
  std::string key;
  for (std::size_t s = h & mask; slots_[s].index_plus_1 != 0; s = (s + 1) & mask) {
    if (slots_[s].tag != static_cast<std::uint32_t>(h >> 32)) continue;
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
    return restrict_canonical_ ? Config(restrict_[idx]) : space_.postprocess(restrict_[idx]);
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
  keep_listed_initial();
  last_trial_id_ = -1;
  last_index_ = kNotListed;
}

}  // namespace synetune
