#pragma once
/// Random search (Syne Tune 0.13 `RandomSearcher`): uniform sampling from the config space,
/// no duplicates by default, optional restriction to a finite list of configs.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "synetune/core/rng.hpp"
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
  /// benchmark), each at most once unless allow_duplicates.
  std::vector<Config> restrict_configurations = {};
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
  Json save_state() const override;
  void load_state(const Json& state) override;

  const ConfigSpace& space() const { return space_; }

 private:
  std::optional<Config> next_initial();
  std::optional<Config> draw_restricted();

  ConfigSpace space_;
  Rng rng_;
  bool allow_duplicates_;
  std::vector<Config> initial_;  ///< remaining points_to_evaluate, front first
  std::vector<Config> restrict_;
  std::vector<std::size_t> remaining_;  ///< indices into restrict_ not yet suggested
  ExclusionList excluded_;
};

}  // namespace synetune
