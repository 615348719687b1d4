#pragma once
/// Rung bookkeeping shared by the stopping and promotion variants of asynchronous Hyperband
/// (Syne Tune 0.13 `hyperband_stopping.py` / `hyperband_promotion.py` / `successive_halving.py`)
/// and by the median stopping rule (OrderStatistics).
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

/// Rung levels: `rung_levels` if non-empty (max_t stripped, must be increasing positive
/// integers < max_t), else `r_k = round(grace_period * eta^k)` for k = 0, 1, ... while
/// `grace_period * eta^k < max_t`. Throws InvalidArgument on bad input.
std::vector<std::int64_t> make_rung_levels(std::int64_t grace_period, double reduction_factor,
                                           std::int64_t max_t,
                                           const std::vector<std::int64_t>& rung_levels = {});

/// The rung cutoff as Syne Tune 0.13 computes it (`Rung.quantile` in
/// `syne_tune/optimizer/schedulers/hyperband_stopping.py`), which stopping and promotion
/// compare with. On the n >= 1 values sorted best first (sign-adjusted, ascending), it reads two
/// neighbours and interpolates with Syne Tune's own expression:
///   cutoff = g * v[left + 1] + (1 - g) * v[left].
/// Min mode: virt = (n - 1) * q + 1, idx = int(virt), g = virt - idx, left = idx - 1. Max mode:
/// Syne Tune takes quantile 1 - q of the raw values (sorted worst first), i.e. virt =
/// (n - 1) * (1 - q) + 1, left = n - idx - 1, g = 1 - (virt - idx). This equals numpy's linear
/// quantile in exact arithmetic, but not in floating point: with v[left] == v[left + 1] == x,
/// g * x + (1 - g) * x can be one unit in the last place below x, so a trial tied with the
/// cutoff stops in Syne Tune where numpy's quantile (exactly x) would keep it; we match Syne
/// Tune. idx == n (Syne Tune asserts against it; it needs q within ~2^-53 of 1 in min mode, of 0
/// in max mode) reads the end value the limit gives: the last in min mode, the first in max mode.
struct RungCutoffPoint {
  std::size_t left = 0;  ///< v[left] and v[left + 1] (v[left] alone when n == 1) are read
  double g = 0.0;        ///< weight of v[left + 1]
};
RungCutoffPoint rung_cutoff_point(std::size_t n, double q, Mode mode);
/// g * hi + (1 - g) * lo, Syne Tune's expression; g == 0 / 1 return lo / hi (what it yields
/// for finite values) so that an infinite neighbour (NaN metrics rank as +inf) with weight 0 does
/// not make the cutoff NaN.
double rung_cutoff_value(double lo, double hi, double g);
/// The cutoff of sorted (ascending, sign-adjusted) values; sorted_values non-empty.
double rung_cutoff_sorted(const std::vector<double>& sorted_values, double q, Mode mode);

/// Multiset of doubles with O(sqrt n) insert and O(n / block) k-th element / rank queries:
/// a list of sorted blocks of at most kMaxBlock values. At 10^4 values an insert moves at most
/// 4 KiB and a k-th query scans ~40 block sizes, far cheaper than a node-based tree.
class OrderStatistics {
 public:
  void insert(double v);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// k-th smallest value, 0-based; k < size().
  double kth(std::size_t k) const;
  /// Number of values strictly smaller than v (numpy.searchsorted, side="left").
  std::size_t count_less(double v) const;
  /// rung_cutoff_sorted(sorted_values(), q, mode) without the copy; size() >= 1.
  double rung_cutoff(double q, Mode mode) const;
  std::vector<double> sorted_values() const;
  void clear() {
    blocks_.clear();
    maxes_.clear();
    size_ = 0;
  }

 private:
  static constexpr std::size_t kMaxBlock = 512;
  std::vector<std::vector<double>> blocks_;
  std::vector<double> maxes_;  ///< blocks_[b].back()
  std::size_t size_ = 0;
};

/// The rungs of an asynchronous successive-halving run. Values are stored sign-adjusted
/// (smaller is better; NaN recorded as +inf = worst), so min and max mode share one code path.
class RungSystem {
 public:
  struct Entry {
    TrialId trial_id = -1;
    double value = 0.0;  ///< sign-adjusted
    bool promoted = false;
  };

  /// `levels` increasing, all < max_t. With `track_promotions`, keeps for each rung the set of
  /// not-yet-promoted eligible entries ordered by (value, insertion order), so that
  /// best_unpromoted is O(log n) (stopping-type ASHA does not need it). `mode` is the metric's:
  /// values are stored sign-adjusted, but the cutoff rounds as Syne Tune's does in that mode.
  RungSystem(std::vector<std::int64_t> levels, std::int64_t max_t, bool track_promotions, Mode mode);

  std::size_t num_rungs() const { return rungs_.size(); }
  std::int64_t level(std::size_t k) const { return rungs_[k].level; }
  /// Level after rung k: the next rung's level, or max_t for the last rung.
  std::int64_t next_level(std::size_t k) const {
    return k + 1 < rungs_.size() ? rungs_[k + 1].level : max_t_;
  }
  std::int64_t max_t() const { return max_t_; }
  const std::vector<std::int64_t>& levels() const { return levels_; }
  /// Promotion quantile q_k = r_k / r_{k+1} (r_{J+1} = max_t).
  double promotion_quantile(std::size_t k) const { return rungs_[k].prom_quant; }

  bool is_recorded(std::size_t k, TrialId trial_id) const { return position(k, trial_id) != kAbsent; }
  /// Records the sign-adjusted value of a trial not yet recorded at rung k.
  void record(std::size_t k, TrialId trial_id, double signed_value);
  /// Cutoff of rung k at quantile q_k (rung_cutoff_sorted, Syne Tune's rounding), new entries
  /// included; nullopt with < 2 entries.
  std::optional<double> cutoff(std::size_t k) const;
  /// Best not-yet-promoted eligible entry of rung k (needs track_promotions).
  const Entry* best_unpromoted(std::size_t k) const;
  void mark_promoted(std::size_t k, TrialId trial_id);
  /// The trial can no longer be promoted anywhere (failed, stopped, completed); its values
  /// stay in the rungs' quantiles.
  void make_ineligible(TrialId trial_id);
  const std::vector<Entry>& entries(std::size_t k) const { return rungs_[k].entries; }

  Json save_state() const;
  /// save_state() as compact JSON text, appended to `out` (cheaper for large rungs).
  void append_state(std::string& out) const;
  void load_state(const Json& state);

 private:
  struct Rung {
    std::int64_t level = 0;
    double prom_quant = 0.0;
    std::vector<Entry> entries;                      ///< insertion order
    /// trial -> position in entries; kept with track_promotions only (the stopping type
    /// never looks a trial up, and the map costs an allocation per record).
    std::unordered_map<TrialId, std::size_t> index;
    OrderStatistics values;
    std::set<std::pair<double, std::size_t>> candidates;  ///< (value, position), unpromoted
  };
  static constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);
  /// Position of the trial in rung k's entries, or kAbsent.
  std::size_t position(std::size_t k, TrialId trial_id) const;

  std::vector<std::int64_t> levels_;
  std::int64_t max_t_;
  bool track_promotions_;
  Mode mode_;
  std::vector<Rung> rungs_;
};

/// Syne Tune's DefaultHyperbandBracketDistribution: p_s proportional to S / ((S - s) * R_s)
/// for s < num_brackets, with S = #rungs + 1 and R = rung levels followed by max_t.
std::vector<double> default_bracket_distribution(const std::vector<std::int64_t>& levels,
                                                 std::int64_t max_t, int num_brackets);

/// JSON cannot hold infinities: encode +-inf / NaN as strings, shared by scheduler states.
Json double_to_json(double v);
double double_from_json(const Json& j);

}  // namespace synetune
