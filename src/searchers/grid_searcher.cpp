#include "synetune/searchers/grid_searcher.hpp"

#include <algorithm>
#include <numeric>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

constexpr std::int64_t kDefaultNumSamples = 5;

// Values of a float / int hyperparameter at encoded positions (i + 0.5) / n, deduplicated.
std::vector<Json> numeric_grid(const Hyperparameter& hp, std::int64_t n) {
  ConfigSpace one;
  one.add(hp.name, hp.domain);
  const ConfigEncoder enc(one);
  std::vector<Json> out;
  for (std::int64_t i = 0; i < n; ++i) {
    Json v = enc.decode({(static_cast<double>(i) + 0.5) / static_cast<double>(n)})[hp.name];
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

GridSearcher::GridSearcher(ConfigSpace space, Rng rng, GridSearcherOptions options)
    : space_(std::move(space)),
      allow_duplicates_(options.allow_duplicates),
      shuffle_(options.shuffle) {
  for (const auto& [name, n] : options.num_samples) {
    const Hyperparameter* hp = space_.find(name);
    if (hp == nullptr)
      throw InvalidArgument("num_samples names '" + name +
                            "', which is not a hyperparameter of the config space");
    if (n < 1)
      throw InvalidArgument("num_samples['" + name + "'] must be >= 1, got " + std::to_string(n));
  }
  std::uint64_t total = 1;
  for (const auto& hp : space_.hyperparameters()) {
    auto given = options.num_samples.find(hp.name);
    std::vector<Json> vals = std::visit(
        [&](const auto& d) -> std::vector<Json> {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, FloatDomain>) {
            return numeric_grid(hp, given != options.num_samples.end() ? given->second
                                                                        : kDefaultNumSamples);
          } else if constexpr (std::is_same_v<T, IntDomain>) {
            const std::int64_t range = d.upper - d.lower + 1;
            const std::int64_t n =
                given != options.num_samples.end() ? given->second : kDefaultNumSamples;
            return numeric_grid(hp, std::min(n, range));
          } else if constexpr (std::is_same_v<T, CategoricalDomain> ||
                               std::is_same_v<T, OrdinalDomain>) {
            return d.categories;
          } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
            std::vector<Json> v;
            for (std::int64_t i = 0; i < d.size; ++i) {
              Json x = d.cast_int ? Json(static_cast<std::int64_t>(d.value(i))) : Json(d.value(i));
              if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(std::move(x));
            }
            return v;
          } else {
            return {d.value};
          }
        },
        hp.domain);
    total *= vals.size();
    if (total > kMaxGridSize)
      throw InvalidArgument("the grid has more than " + std::to_string(kMaxGridSize) +
                            " points; lower num_samples (reached at hyperparameter '" + hp.name +
                            "')");
    values_.push_back(std::move(vals));
  }
  initial_ = points_to_evaluate_or_none(options.points_to_evaluate);
  rng_state_ = rng.save_state();
  make_order(std::move(rng));
}

std::vector<Config> GridSearcher::points_to_evaluate_or_none(
    const std::optional<std::vector<Config>>& points) const {
  if (!points) return {};
  return impute_points_to_evaluate(space_, points);
}

void GridSearcher::make_order(Rng rng) {
  std::uint64_t total = 1;
  for (const auto& v : values_) total *= v.size();
  order_.resize(total);
  std::iota(order_.begin(), order_.end(), std::uint64_t{0});
  if (shuffle_) rng.shuffle(order_);
}

Config GridSearcher::grid_point(std::uint64_t index) const {
  // Mixed radix, last hyperparameter fastest (itertools.product order).
  std::vector<std::size_t> digit(values_.size());
  for (std::size_t h = values_.size(); h-- > 0;) {
    digit[h] = index % values_[h].size();
    index /= values_[h].size();
  }
  Config c = Json::object();
  const auto& hps = space_.hyperparameters();
  for (std::size_t h = 0; h < hps.size(); ++h) c[hps[h].name] = values_[h][digit[h]];
  return c;
}

std::optional<Config> GridSearcher::suggest(TrialId /*trial_id*/) {
  std::optional<Config> config;
  while (!initial_.empty() && !config) {
    Config c = std::move(initial_.front());
    initial_.erase(initial_.begin());
    if (allow_duplicates_ || !excluded_.contains(space_.match_string(c))) config = std::move(c);
  }
  const std::uint64_t n = order_.size();
  while (!config && (allow_duplicates_ ? n > 0 : next_ < n)) {
    Config c = grid_point(order_[next_ % n]);
    ++next_;
    if (allow_duplicates_ || !excluded_.contains(space_.match_string(c))) config = std::move(c);
  }
  if (config && !allow_duplicates_) excluded_.add(space_.match_string(*config));
  return config;
}

void GridSearcher::on_trial_add(TrialId /*trial_id*/, const Config& config) {
  if (!allow_duplicates_) excluded_.add(space_.match_string(config));
}

Json GridSearcher::save_state() const {
  return Json{{"shuffle_rng", rng_state_},
              {"next_index", next_},
              {"points_to_evaluate", initial_},
              {"excluded", excluded_.save_state()}};
}

void GridSearcher::load_state(const Json& state) {
  rng_state_ = state.at("shuffle_rng");
  Rng rng;
  rng.load_state(rng_state_);
  make_order(std::move(rng));
  next_ = state.at("next_index").get<std::uint64_t>();
  initial_ = state.at("points_to_evaluate").get<std::vector<Config>>();
  excluded_.load_state(state.at("excluded"));
}

}  // namespace synetune
