#pragma once
/// Shared pieces of the conformance suites (searcher_conformance.hpp,
/// scheduler_conformance.hpp, backend_conformance.hpp).
///
/// Every contract is a *check function* returning `Failure`: nullopt when the implementation
/// conforms, else a message with the evidence. The GoogleTest suites only call them, so the
/// checks can also be run outside GoogleTest, and a deliberately broken implementation can be
/// shown to be caught (the suites' own tests do this).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune::testing {

/// Result of a contract check: nullopt = conforms, else what went wrong.
using Failure = std::optional<std::string>;

/// Adds a non-fatal GoogleTest failure holding the message if `check` failed.
#define SYNETUNE_EXPECT_CONFORMS(check)                              \
  do {                                                               \
    if (const ::synetune::testing::Failure f_ = (check)) ADD_FAILURE() << *f_; \
  } while (false)

namespace conformance_detail {

/// Same JSON kind, as a script parsing its arguments would see it (1 and 1.0 differ).
inline bool same_kind(const Json& a, const Json& b) {
  if (a.is_number_integer() || b.is_number_integer()) return a.is_number_integer() && b.is_number_integer();
  return a.type() == b.type();
}

inline bool in_list(const std::vector<Json>& values, const Json& v) {
  for (const auto& c : values)
    if (same_kind(c, v) && c == v) return true;
  return false;
}

inline bool near(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)}); }

inline Failure finite_range_value(const FiniteRangeDomain& d, const Json& v) {
  if (!v.is_number()) return "not a number";
  if (d.cast_int && !v.is_number_integer()) return "not an integer (finite range with cast_int)";
  if (!d.cast_int && !v.is_number_float()) return "not a float";
  for (std::int64_t i = 0; i < d.size; ++i)
    if (near(d.value(i), v.get<double>())) return std::nullopt;
  return "not one of the range's values";
}

}  // namespace conformance_detail

/// Whether `v` is a value of `hp`'s domain, of the right JSON type: floats in [lower, upper]
/// (exactly: scripts may reject values outside), integers in [lower, upper], one of the
/// categories (same type), one of a finite range's values, or the constant unchanged.
inline Failure check_value_in_domain(const Hyperparameter& hp, const Json& v) {
  using namespace conformance_detail;
  const Failure why = std::visit(
      [&](const auto& d) -> Failure {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          if (!v.is_number_float()) return "not a float";
          const double x = v.get<double>();
          if (!(x >= d.lower && x <= d.upper)) return "outside [lower, upper]";
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          if (!v.is_number_integer()) return "not an integer";
          const auto x = v.get<std::int64_t>();
          if (x < d.lower || x > d.upper) return "outside [lower, upper]";
        } else if constexpr (std::is_same_v<T, CategoricalDomain> || std::is_same_v<T, OrdinalDomain>) {
          if (!in_list(d.categories, v)) return "not one of the categories";
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          return finite_range_value(d, v);
        } else {
          if (!same_kind(v, d.value) || v != d.value) return "constant changed (expected " + d.value.dump() + ")";
        }
        return std::nullopt;
      },
      hp.domain);
  if (!why) return std::nullopt;
  return "hyperparameter '" + hp.name + "' = " + v.dump() + " (" + ConfigSpace::domain_to_text(hp.domain) + "): " + *why;
}

/// Whether `config` is a JSON object with a value in its domain for every hyperparameter of
/// `space` and no other key except `extra_keys` (e.g. a scheduler's max_resource_attr).
inline Failure check_config_in_space(const ConfigSpace& space, const Config& config,
                                     const std::vector<std::string>& extra_keys = {}) {
  if (!config.is_object()) return "config is not an object: " + config.dump();
  for (const auto& hp : space.hyperparameters()) {
    if (!config.contains(hp.name)) return "config " + config.dump() + " lacks '" + hp.name + "'";
    if (auto f = check_value_in_domain(hp, config.at(hp.name))) return "config " + config.dump() + ": " + *f;
  }
  for (auto it = config.begin(); it != config.end(); ++it) {
    const bool allowed = space.find(it.key()) != nullptr ||
                         std::find(extra_keys.begin(), extra_keys.end(), it.key()) != extra_keys.end();
    if (!allowed) return "config " + config.dump() + " has key '" + it.key() + "' outside the space";
  }
  return std::nullopt;
}

/// A space with one hyperparameter of every domain kind and three constants (number, string,
/// list): what the searcher suite suggests from by default.
inline ConfigSpace conformance_space() {
  ConfigSpace s;
  s.add("lr", loguniform(1e-4, 1e-1));
  s.add("x", uniform(-1.0, 2.0));
  s.add("width", randint(1, 64));
  s.add("units", lograndint(2, 128));
  s.add("act", choice({"relu", "tanh", "sigmoid"}));
  s.add("batch", ordinal({16, 32, 64, 128}));
  s.add("layers", finrange(1, 5, 5, /*cast_int=*/true));
  s.add("drop", logfinrange(0.001, 0.1, 3));
  s.add("epochs", constant(20));
  s.add("tag", constant("conformance"));
  s.add("sizes", constant(Json::array({64, 32})));
  return s;
}

/// A finite space of 12 configs (3 x 4) plus a constant, for de-duplication and exhaustion.
inline ConfigSpace finite_conformance_space() {
  ConfigSpace s;
  s.add("act", choice({"relu", "tanh", "sigmoid"}));
  s.add("width", randint(1, 4));
  s.add("epochs", constant(20));
  return s;
}

}  // namespace synetune::testing
