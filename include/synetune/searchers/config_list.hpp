#pragma once
/// A read-only list of configs shared by its holders (e.g. a tabulated benchmark's rows, handed
/// from the blackbox through MethodSpec to a searcher without a copy of its ~10^5 entries).
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "synetune/core/types.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

class ConfigList {
 public:
  ConfigList() = default;
  /// Takes the vector over (implicit, so that options can be given a vector). No
  /// initializer-list constructor: `ConfigList{vector}` would then hold one JSON array.
  ConfigList(std::vector<Config> configs)  // NOLINT(google-explicit-constructor)
      : list_(configs.empty() ? nullptr : std::make_shared<const std::vector<Config>>(std::move(configs))) {}
  /// Shares a list owned elsewhere (null = empty).
  ConfigList(std::shared_ptr<const std::vector<Config>> shared)  // NOLINT(google-explicit-constructor)
      : list_(std::move(shared)) {}

  bool empty() const { return !list_ || list_->empty(); }
  std::size_t size() const { return list_ ? list_->size() : 0; }
  const Config& operator[](std::size_t i) const { return (*list_)[i]; }
  std::vector<Config>::const_iterator begin() const { return list_ ? list_->begin() : std::vector<Config>::const_iterator{}; }
  std::vector<Config>::const_iterator end() const { return list_ ? list_->end() : std::vector<Config>::const_iterator{}; }
  /// The shared list (null when empty).
  const std::shared_ptr<const std::vector<Config>>& shared() const { return list_; }

  /// Declares every entry canonical under `space`: space.postprocess(entry) is the entry
  /// itself, types included (a tabulated blackbox checks this once for its rows). Searchers
  /// drawing from the list may then copy entries instead of casting them again.
  void mark_canonical_for(const ConfigSpace& space) { canonical_for_ = space.to_json().dump(); }
  bool canonical_for(const ConfigSpace& space) const {
    return !canonical_for_.empty() && canonical_for_ == space.to_json().dump();
  }

 private:
  std::shared_ptr<const std::vector<Config>> list_;
  std::string canonical_for_;  ///< the space's JSON, or empty
};

}  // namespace synetune
