#pragma once
/// Random search (Syne Tune 0.13 `RandomSearcher`): uniform sampling from the config space,
/// no duplicates by default, optional restriction to a finite list of configs.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/searchers/config_list.hpp"
#include "synetune/searchers/searcher.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

struct RandomSearcherOptions {
  /// Configs tried first, in order; each may be partial (missing values get the midpoint
  /// value). nullopt (default) = Syne Tune 0.13's default `[{}]`: the midpoint config first.
  /// An explicitly empty list disables initial configs.
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  /// If false, a config (compared by ConfigSpace::match_string) is never suggested twice;
  /// after 100 failed draws (or when a finite space is used up) suggest() returns nullopt.
  bool allow_duplicates = false;
  /// If non-empty, only these configs are suggested (e.g. the rows of a tabulated
  /// benchmark), each at most once unless allow_duplicates. Entries with equal match
  /// strings are one config.
  ConfigList restrict_configurations = {};
};

/// Imputes partial points_to_evaluate with the space's midpoint values, casts them and drops
/// duplicates (Syne Tune's impute_points_to_evaluate). nullopt means `[{}]`.
std::vector<Config> impute_points_to_evaluate(const ConfigSpace& space,
                                              const std::optional<std::vector<Config>>& points);

/// Remembers which configs were suggested (by match string), in insertion order.
class ExclusionList {
 public:
  bool contains(const std::string& key) const { return set_.count(key) > 0; }
  void add(const std::string& key) {
    if (set_.insert(key).second) order_.push_back(key);
  }
  std::size_t size() const { return order_.size(); }
  Json save_state() const { return Json(order_); }
  void load_state(const Json& j);

 private:
  std::unordered_set<std::string> set_;  // lookups only
  std::vector<std::string> order_;
};

class RandomSearcher : public Searcher {
 public:
  static constexpr int kMaxRetries = 100;
  RandomSearcher(ConfigSpace space, Rng rng, RandomSearcherOptions options = {});

  std::optional<Config> suggest(TrialId trial_id) override;
  void on_trial_add(TrialId trial_id, const Config& config) override;
  std::string name() const override { return "random"; }
  /// Restricted: {"rng", "points_to_evaluate", "remaining", "excluded_index"} (indices into
  /// the list, besides those no longer in "remaining"); else "excluded" holds match strings.
  /// load_state also accepts the older restricted form with "excluded" match strings.
  Json save_state() const override;
  void load_state(const Json& state) override;

  const ConfigSpace& space() const { return space_; }

 private:
  static constexpr std::size_t kNotListed = static_cast<std::size_t>(-1);
  std::optional<Config> next_initial();
  std::optional<Config> draw_restricted();
  /// Hash of `config`'s match string, computed without building it (per hyperparameter an
  /// integer: the printed float's digits and exponent, the int, or the category index);
  /// configs with equal match strings hash equally.
  /// Throws InvalidArgument as match_string does for a missing or uncastable value.
  std::uint64_t key_hash(const Config& config) const;
  /// Restricted mode: the group (first index with the same match string) of `config` in the
  /// list, or kNotListed.
  std::size_t group_of_config(const Config& config) const;
  /// Same for a match string (older states hold these); builds a string index on first use.
  std::size_t group_of_key(const std::string& key);
  std::size_t group_of_index(std::size_t idx) const { return group_.empty() ? idx : group_[idx]; }
  /// Restricted mode: drops initial configs not in the list, records the others' groups.
  void keep_listed_initial();
  /// True if `config` has the same tunable values as the last suggested list entry.
  bool is_last_suggested(TrialId trial_id, const Config& config) const;

  ConfigSpace space_;
  Rng rng_;
  bool allow_duplicates_;
  std::vector<Config> initial_;  ///< remaining points_to_evaluate, front first
  // Restricted mode: the list as given (shared, cast on draw), excluded by index: used_[g] for
  // each group g (duplicates by match string share the group of their first entry). Entries
  // are found by key_hash in an open-addressing table (linear probing, power-of-two size)
  // holding each group's first entry; match strings are built only to confirm a hash match.
  ConfigList restrict_;
  bool restrict_canonical_ = false;  ///< entries need no postprocess (ConfigList::canonical_for)
  std::vector<std::size_t> remaining_;  ///< indices into restrict_ not yet drawn
  struct Slot {
    std::uint32_t tag = 0;           ///< high half of the key hash (the low bits pick the slot)
    std::uint32_t index_plus_1 = 0;  ///< 0 = empty
  };
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> group_;  ///< index -> group; empty if the list has no duplicates
  std::unordered_map<std::string, std::size_t> group_by_key_;  ///< older states only (lazy)
  std::vector<ConfigSpace> single_;  ///< per hyperparameter: a space of it alone (key_hash)
  std::vector<bool> used_;            ///< by group
  std::vector<std::size_t> initial_group_;  ///< group of each initial_ entry
  TrialId last_trial_id_ = -1;
  std::size_t last_index_ = kNotListed;  ///< list index suggested for last_trial_id_
  ExclusionList excluded_;  ///< unrestricted mode
};

}  // namespace synetune
