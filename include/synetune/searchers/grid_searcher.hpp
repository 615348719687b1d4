#pragma once
/// Grid search (Syne Tune 0.13 `GridSearcher`): the cartesian product of per-hyperparameter
/// value lists, shuffled by the seed, each point suggested once.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/searchers/random_searcher.hpp"
#include "synetune/searchers/searcher.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

struct GridSearcherOptions {
  /// Configs tried first (partial ones imputed by the midpoint rule). Unlike Syne Tune 0.13,
  /// nullopt means none: the default midpoint produced a duplicated first trial (issue #560).
  /// A grid point equal to one of them is not suggested again.
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  /// Grid points per float / integer hyperparameter, placed at encoded (i + 0.5) / n.
  /// Defaults: 5 for floats, min(5, range size) for integers (larger values are capped at
  /// the range size). Categorical, ordinal and finite-range hyperparameters use all values.
  std::map<std::string, std::int64_t> num_samples = {};
  /// Visit the grid in a seeded random order (Syne Tune's shuffle_config=True).
  bool shuffle = true;
  /// If true, the grid is cycled through again once finished (Syne Tune issue #813),
  /// and points equal to points_to_evaluate are not skipped.
  bool allow_duplicates = false;
};

class GridSearcher : public Searcher {
 public:
  /// Largest grid we materialize; beyond it, reduce num_samples.
  static constexpr std::uint64_t kMaxGridSize = std::uint64_t{1} << 22;
  GridSearcher(ConfigSpace space, Rng rng, GridSearcherOptions options = {});

  std::optional<Config> suggest(TrialId trial_id) override;
  void on_trial_add(TrialId trial_id, const Config& config) override;
  std::string name() const override { return "grid"; }
  Json save_state() const override;
  void load_state(const Json& state) override;

  /// Number of grid points (without points_to_evaluate).
  std::uint64_t grid_size() const { return order_.size(); }
  /// The values used for each hyperparameter, in space order.
  const std::vector<std::vector<Json>>& grid_values() const { return values_; }

 private:
  void make_order(Rng rng);
  std::vector<Config> points_to_evaluate_or_none(
      const std::optional<std::vector<Config>>& points) const;
  Config grid_point(std::uint64_t index) const;

  ConfigSpace space_;
  bool allow_duplicates_;
  bool shuffle_;
  Json rng_state_;  ///< RNG state used for the shuffle, so load_state can rebuild the order
  std::vector<std::vector<Json>> values_;
  std::vector<std::uint64_t> order_;
  std::uint64_t next_ = 0;
  std::vector<Config> initial_;
  ExclusionList excluded_;
};

}  // namespace synetune
