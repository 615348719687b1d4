#pragma once
/// Short names of methods (Syne Tune's baselines: `RandomSearch`, `ASHA`, `MOBSTER`, ...) and
/// the factory that builds a configured scheduler from a name and JSON options. Strings live
/// here, at the edge; algorithm code takes typed Options structs.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/schedulers/scheduler.hpp"
#include "synetune/searchers/config_list.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

struct MethodSpec {
  ConfigSpace space;
  ProblemSpec problem;
  /// Method options as JSON with Syne Tune's names (`grace_period`, `reduction_factor`,
  /// `type`, `brackets`, `population_size`, ...). Unknown keys are an error.
  Json options = Json::object();
  std::vector<Config> points_to_evaluate;  ///< tried first, in order
  std::uint64_t seed = 0;
  /// When the backend is tabulated: the only configs that may be suggested (shared with the
  /// blackbox and the searcher, not copied).
  ConfigList restrict_configurations;
};

/// Builds the scheduler for `method` (case-sensitive short name). Throws InvalidArgument
/// listing the known names if it is unknown, or naming the bad option.
std::unique_ptr<Scheduler> make_scheduler(const std::string& method, const MethodSpec& spec);
/// Known short names, in a stable order, with a one-line description each.
std::vector<std::pair<std::string, std::string>> method_names();

}  // namespace synetune
