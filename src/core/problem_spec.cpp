#include "synetune/core/problem_spec.hpp"

#include "synetune/core/error.hpp"

namespace synetune {

std::int64_t ProblemSpec::require_max_t(std::string_view who) const {
  if (!max_t)
    throw InvalidArgument(std::string(who) + " needs max_t: pass option 'max_t' or set the problem's max_t");
  validate();
  return *max_t;
}

void ProblemSpec::validate() const {
  if (max_t && *max_t < 1) throw InvalidArgument("max_t must be >= 1, got " + std::to_string(*max_t));
}

}  // namespace synetune
