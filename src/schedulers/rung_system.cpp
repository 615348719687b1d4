#include "synetune/schedulers/rung_system.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "synetune/core/error.hpp"

namespace synetune {

std::vector<std::int64_t> make_rung_levels(std::int64_t grace_period, double reduction_factor,
                                           std::int64_t max_t,
                                           const std::vector<std::int64_t>& rung_levels) {
  if (max_t < 1) throw InvalidArgument("max_t must be a positive integer, got " + std::to_string(max_t));
  std::vector<std::int64_t> out;
  if (!rung_levels.empty()) {
    for (std::size_t i = 0; i < rung_levels.size(); ++i) {
      const auto r = rung_levels[i];
      if (r < 1 || (i > 0 && r <= rung_levels[i - 1]))
        throw InvalidArgument("rung_levels must be increasing positive integers, got entry " +
                              std::to_string(r) + " at position " + std::to_string(i));
      if (r > max_t)
        throw InvalidArgument("rung_levels entry " + std::to_string(r) + " exceeds max_t = " +
                              std::to_string(max_t));
      if (r < max_t) out.push_back(r);  // max_t itself is not a rung (stripped, as in ST)
    }
    return out;
  }
  if (grace_period < 1)
    throw InvalidArgument("grace_period must be >= 1, got " + std::to_string(grace_period));
  if (!(reduction_factor >= 2.0))
    throw InvalidArgument("reduction_factor must be >= 2, got " + std::to_string(reduction_factor));
  for (int k = 0;; ++k) {
    const double r = static_cast<double>(grace_period) * std::pow(reduction_factor, k);
    if (!(r < static_cast<double>(max_t))) break;
    // nearbyint rounds half to even, as Python's round() does.
    const auto level = static_cast<std::int64_t>(std::nearbyint(r));
    if (level >= max_t) break;
    if (out.empty() || level > out.back()) out.push_back(level);
  }
  return out;
}

RungCutoffPoint rung_cutoff_point(std::size_t n, double q, Mode mode) {
  if (n < 2) return {0, 0.0};
  // Syne Tune's arithmetic, step by step: the "+ 1" and the subtraction round, and that
  // rounding is what decides ties at the cutoff.
  const bool min_mode = mode == Mode::kMin;
  const double virt = static_cast<double>(n - 1) * (min_mode ? q : 1.0 - q) + 1.0;
  auto idx = static_cast<std::size_t>(std::max(1.0, virt));  // Python's int(): truncation
  double frac = virt - static_cast<double>(idx);
  if (idx >= n) {  // Syne Tune asserts idx < n; take the limit: the last (min) / first (max) value
    idx = n - 1;
    frac = 1.0;
  }
  if (min_mode) return {idx - 1, frac};
  return {n - idx - 1, 1.0 - frac};
}

double rung_cutoff_value(double lo, double hi, double g) {
  if (g == 0.0) return lo;
  if (g == 1.0) return hi;
  return g * hi + (1.0 - g) * lo;
}

double rung_cutoff_sorted(const std::vector<double>& v, double q, Mode mode) {
  const auto p = rung_cutoff_point(v.size(), q, mode);
  return rung_cutoff_value(v[p.left], v[std::min(p.left + 1, v.size() - 1)], p.g);
}

// ---- OrderStatistics ----

void OrderStatistics::insert(double v) {
  ++size_;
  if (blocks_.empty()) {
    blocks_.push_back({v});
    maxes_.push_back(v);
    return;
  }
  // First block whose largest value is >= v (or the last block), searched in maxes_: one
  // array, not a cache miss per block probed.
  const auto b = static_cast<std::size_t>(
      std::min<std::ptrdiff_t>(std::lower_bound(maxes_.begin(), maxes_.end(), v) - maxes_.begin(),
                               static_cast<std::ptrdiff_t>(maxes_.size()) - 1));
  auto& blk = blocks_[b];
  blk.insert(std::upper_bound(blk.begin(), blk.end(), v), v);
  maxes_[b] = blk.back();
  if (blk.size() > kMaxBlock) {
    std::vector<double> upper(blk.begin() + static_cast<std::ptrdiff_t>(blk.size() / 2), blk.end());
    blk.resize(blk.size() / 2);
    maxes_[b] = blk.back();
    maxes_.insert(maxes_.begin() + static_cast<std::ptrdiff_t>(b) + 1, upper.back());
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
  }
}

double OrderStatistics::kth(std::size_t k) const {
  for (const auto& blk : blocks_) {
    if (k < blk.size()) return blk[k];
    k -= blk.size();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::size_t OrderStatistics::count_less(double v) const {
  std::size_t n = 0;
  for (const auto& blk : blocks_) {
    if (blk.back() < v) {
      n += blk.size();
      continue;
    }
    n += static_cast<std::size_t>(std::lower_bound(blk.begin(), blk.end(), v) - blk.begin());
    break;
  }
  return n;
}

double OrderStatistics::rung_cutoff(double q, Mode mode) const {
  const auto p = rung_cutoff_point(size_, q, mode);
  // Locate v[left] once and read v[left + 1] from the same or the next block.
  std::size_t k = p.left;
  for (std::size_t bi = 0; bi < blocks_.size(); ++bi) {
    const auto& blk = blocks_[bi];
    if (k >= blk.size()) {
      k -= blk.size();
      continue;
    }
    const double lo = blk[k];
    double hi = lo;
    if (p.left + 1 < size_) hi = k + 1 < blk.size() ? blk[k + 1] : blocks_[bi + 1].front();
    return rung_cutoff_value(lo, hi, p.g);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> OrderStatistics::sorted_values() const {
  std::vector<double> out;
  out.reserve(size_);
  for (const auto& blk : blocks_) out.insert(out.end(), blk.begin(), blk.end());
  return out;
}

// ---- RungSystem ----

RungSystem::RungSystem(std::vector<std::int64_t> levels, std::int64_t max_t, bool track_promotions, Mode mode)
    : levels_(std::move(levels)), max_t_(max_t), track_promotions_(track_promotions), mode_(mode) {
  rungs_.resize(levels_.size());
  for (std::size_t k = 0; k < levels_.size(); ++k) {
    rungs_[k].level = levels_[k];
    const double next = static_cast<double>(k + 1 < levels_.size() ? levels_[k + 1] : max_t_);
    rungs_[k].prom_quant = static_cast<double>(levels_[k]) / next;
  }
}

void RungSystem::record(std::size_t k, TrialId trial_id, double value) {
  if (std::isnan(value)) value = std::numeric_limits<double>::infinity();
  auto& rung = rungs_[k];
  const std::size_t pos = rung.entries.size();
  rung.entries.push_back(Entry{trial_id, value, false});
  rung.values.insert(value);
  if (track_promotions_) {
    rung.index.emplace(trial_id, pos);
    rung.candidates.emplace(value, pos);
  }
}

std::size_t RungSystem::position(std::size_t k, TrialId trial_id) const {
  const auto& rung = rungs_[k];
  if (track_promotions_) {
    const auto it = rung.index.find(trial_id);
    return it == rung.index.end() ? kAbsent : it->second;
  }
  for (std::size_t i = 0; i < rung.entries.size(); ++i)
    if (rung.entries[i].trial_id == trial_id) return i;
  return kAbsent;
}

std::optional<double> RungSystem::cutoff(std::size_t k) const {
  const auto& rung = rungs_[k];
  if (rung.values.size() < 2) return std::nullopt;
  return rung.values.rung_cutoff(rung.prom_quant, mode_);
}

const RungSystem::Entry* RungSystem::best_unpromoted(std::size_t k) const {
  const auto& rung = rungs_[k];
  if (rung.candidates.empty()) return nullptr;
  return &rung.entries[rung.candidates.begin()->second];
}

void RungSystem::mark_promoted(std::size_t k, TrialId trial_id) {
  auto& rung = rungs_[k];
  const std::size_t pos = position(k, trial_id);
  if (pos == kAbsent) return;
  auto& e = rung.entries[pos];
  e.promoted = true;
  rung.candidates.erase({e.value, pos});
}

void RungSystem::make_ineligible(TrialId trial_id) {
  if (!track_promotions_) return;
  for (auto& rung : rungs_) {
    const auto it = rung.index.find(trial_id);
    if (it != rung.index.end())
      rung.candidates.erase({rung.entries[it->second].value, it->second});
  }
}

namespace {
// double_to_json(v) as text: non-finite values as strings.
void append_double(std::string& out, double v) {
  if (std::isfinite(v)) append_python_float(out, v);
  else append_json_string(out, double_to_json(v).get<std::string>());
}
}  // namespace

// Each rung's entries by columns (ids, values, promoted, eligible), written as text (a
// checkpoint of a long run holds every trial's rung values): building a JSON document first
// cost more than the rest of the checkpoint.
void RungSystem::append_state(std::string& out) const {
  auto list = [&](const char* key, const Rung& rung, auto&& cell) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_array(out, rung.entries.size(), [&](std::size_t i) { cell(i, rung.entries[i]); });
  };
  out += "{\"levels\":";
  append_json_python(out, Json(levels_));
  out += ",\"max_t\":";
  append_python_int(out, max_t_);
  out += ",\"rungs\":[";
  for (std::size_t k = 0; k < rungs_.size(); ++k) {
    const Rung& rung = rungs_[k];
    if (k) out += ',';
    out += "{\"level\":";
    append_python_int(out, rung.level);
    list("trial_id", rung, [&](std::size_t, const Entry& e) { append_python_int(out, e.trial_id); });
    list("value", rung, [&](std::size_t, const Entry& e) { append_double(out, e.value); });
    // Without promotions (stopping type) both flags are false everywhere: left out.
    if (track_promotions_ || std::any_of(rung.entries.begin(), rung.entries.end(), [](const Entry& e) { return e.promoted; })) {
      list("promoted", rung, [&](std::size_t, const Entry& e) { out += e.promoted ? "true" : "false"; });
      list("eligible", rung, [&](std::size_t i, const Entry& e) {
        out += track_promotions_ && rung.candidates.count({e.value, i}) != 0 ? "true" : "false";
      });
    }
    out += '}';
  }
  out += "]}";
}

Json RungSystem::save_state() const {
  std::string text;
  append_state(text);
  return parse_json_lenient(text);
}

void RungSystem::load_state(const Json& state) {
  if (state.at("levels").get<std::vector<std::int64_t>>() != levels_ ||
      state.at("max_t").get<std::int64_t>() != max_t_)
    throw StorageError("saved rung levels / max_t differ from this scheduler's configuration");
  const auto& rungs = state.at("rungs");
  for (std::size_t k = 0; k < rungs_.size(); ++k) {
    auto& rung = rungs_[k];
    rung.entries.clear();
    rung.index.clear();
    rung.values.clear();
    rung.candidates.clear();
    const Json& r = rungs.at(k);
    const Json &ids = r.at("trial_id"), &values = r.at("value");
    const Json* promoted = r.contains("promoted") ? &r["promoted"] : nullptr;
    const Json* eligible = r.contains("eligible") ? &r["eligible"] : nullptr;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto id = ids.at(i).get<TrialId>();
      const double v = double_from_json(values.at(i));
      const std::size_t pos = rung.entries.size();
      rung.entries.push_back(Entry{id, v, promoted && promoted->at(i).get<bool>()});
      rung.values.insert(v);
      if (!track_promotions_) continue;
      rung.index.emplace(id, pos);
      if (eligible && eligible->at(i).get<bool>()) rung.candidates.emplace(v, pos);
    }
  }
}

std::vector<double> default_bracket_distribution(const std::vector<std::int64_t>& levels,
                                                 std::int64_t max_t, int num_brackets) {
  const double S = static_cast<double>(levels.size() + 1);
  std::vector<double> p;
  for (int s = 0; s < num_brackets; ++s) {
    const double r = static_cast<double>(static_cast<std::size_t>(s) < levels.size() ? levels[s] : max_t);
    p.push_back(S / ((S - s) * r));
  }
  double total = 0;
  for (double x : p) total += x;
  for (double& x : p) x /= total;
  return p;
}

Json double_to_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

double double_from_json(const Json& j) {
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return j.get<double>();
}

}  // namespace synetune
