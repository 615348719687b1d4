#include "synetune/searchers/random_searcher.hpp"

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
    : space_(std::move(space)), rng_(std::move(rng)), allow_duplicates_(options.allow_duplicates) {
  for (std::size_t i = 0; i < options.restrict_configurations.size(); ++i) {
    try {
      restrict_.push_back(space_.postprocess(options.restrict_configurations[i]));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("restrict_configurations[" + std::to_string(i) + "]: " + e.what());
    }
    remaining_.push_back(i);
  }
  initial_ = impute_points_to_evaluate(space_, options.points_to_evaluate);
  if (!restrict_.empty()) {
    // Initial configs outside the allowed list cannot be evaluated (e.g. on a table).
    ExclusionList allowed;
    for (const auto& c : restrict_) allowed.add(space_.match_string(c));
    std::erase_if(initial_, [&](const Config& c) { return !allowed.contains(space_.match_string(c)); });
  }
}

std::optional<Config> RandomSearcher::next_initial() {
  while (!initial_.empty()) {
    Config c = std::move(initial_.front());
    initial_.erase(initial_.begin());
    if (allow_duplicates_ || !excluded_.contains(space_.match_string(c))) return c;
  }
  return std::nullopt;
}

std::optional<Config> RandomSearcher::draw_restricted() {
  if (allow_duplicates_) return restrict_[rng_.index(restrict_.size())];
  while (!remaining_.empty()) {
    const std::size_t pos = rng_.index(remaining_.size());
    const std::size_t idx = remaining_[pos];
    remaining_[pos] = remaining_.back();
    remaining_.pop_back();
    if (!excluded_.contains(space_.match_string(restrict_[idx]))) return restrict_[idx];
  }
  return std::nullopt;
}

std::optional<Config> RandomSearcher::suggest(TrialId /*trial_id*/) {
  std::optional<Config> config = next_initial();
  if (!config) {
    if (!restrict_.empty()) {
      config = draw_restricted();
    } else if (allow_duplicates_) {
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

void RandomSearcher::on_trial_add(TrialId /*trial_id*/, const Config& config) {
  // Configs started by someone else (e.g. a scheduler's own suggestion) are not repeated.
  if (!allow_duplicates_) excluded_.add(space_.match_string(config));
}

Json RandomSearcher::save_state() const {
  return Json{{"rng", rng_.save_state()},
              {"points_to_evaluate", initial_},
              {"excluded", excluded_.save_state()},
              {"remaining", remaining_}};
}

void RandomSearcher::load_state(const Json& state) {
  rng_.load_state(state.at("rng"));
  initial_ = state.at("points_to_evaluate").get<std::vector<Config>>();
  excluded_.load_state(state.at("excluded"));
  remaining_ = state.at("remaining").get<std::vector<std::size_t>>();
}

}  // namespace synetune
