#pragma once
// Per-domain operations shared by ConfigSpace, its JSON/text forms and ConfigEncoder.
#include <string>
#include <vector>

#include "synetune/space/config_space.hpp"

namespace synetune::space_detail {

/// Round half to even, as Python's round() and numpy's rint() do.
double round_half_even(double x);

/// Validates `d` (resolving the ordinal default kind, normalizing mixed int/float
/// categories to float); throws InvalidArgument prefixed with `what`.
void normalize_and_validate(Domain& d, const std::string& what);

/// Internal (log or linear) coordinates of a nearest-neighbour ordinal's categories and its
/// sampling interval [lo, hi] (first/last value -/+ half the mean gap).
struct NnOrdinalGeometry {
  std::vector<double> internal;
  double lo = 0, hi = 0;
};
NnOrdinalGeometry nn_geometry(const OrdinalDomain& d);
bool is_nn(const OrdinalDomain& d);

/// Index of the nearest value in `internal` (first on ties).
std::size_t nearest_index(const std::vector<double>& internal, double v);

/// Finite-range index for a value (clipped, rounded half-even), Syne Tune's _map_to_int.
std::int64_t finrange_index(const FiniteRangeDomain& d, double v);
Json finrange_json_value(const FiniteRangeDomain& d, std::int64_t index);

/// Index of `v` among categories (exact JSON equality, or nearest within 1% relative for
/// numeric categories); -1 if none.
std::ptrdiff_t category_index(const std::vector<Json>& cats, const Json& v);

/// Casts `v` to the domain (see ConfigSpace::postprocess); throws InvalidArgument naming `name`.
Json cast_value(const std::string& name, const Domain& d, const Json& v);
Json sample_value(const Domain& d, Rng& rng);
/// Number of values; 0 = infinite.
std::uint64_t domain_size(const Domain& d);

}  // namespace synetune::space_detail
