// Domain builders, validation, sampling and casting (Syne Tune's config_space.py semantics).
#include <algorithm>
#include <cmath>
#include <limits>

#include "space/domain_ops.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace space_detail {
namespace {

std::string num(double v) { return Json(v).dump(); }

[[noreturn]] void fail(const std::string& what, const std::string& msg) {
  throw InvalidArgument(what + ": " + msg);
}

bool is_numeric(const Json& j) { return j.is_number(); }

// JSON "kind" used for the same-type rule: ints (signed or unsigned) form one kind.
int kind_of(const Json& j) {
  if (j.is_number_integer()) return 100;
  return static_cast<int>(j.type());
}

bool strictly_increasing(const std::vector<Json>& c) {
  for (std::size_t i = 1; i < c.size(); ++i)
    if (!(c[i].get<double>() > c[i - 1].get<double>())) return false;
  return true;
}

void validate_categories(std::vector<Json>& cats, const std::string& what) {
  if (cats.empty()) fail(what, "needs at least one value, e.g. choice(a,b)");
  bool any_float = false, all_num = true;
  for (const auto& c : cats) {
    if (c.is_null()) fail(what, "null is not a valid category");
    if (c.is_number_float()) any_float = true;
    if (!c.is_number()) all_num = false;
  }
  // Mixed ints and floats become floats (Syne Tune would reject the mix).
  if (all_num && any_float)
    for (auto& c : cats) c = Json(c.get<double>());
  for (const auto& c : cats)
    if (kind_of(c) != kind_of(cats[0]))
      fail(what, "all values must have the same type, but " + c.dump() + " differs from " +
                     cats[0].dump());
  for (std::size_t i = 0; i < cats.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (cats[i] == cats[k]) fail(what, "value " + cats[i].dump() + " is listed twice");
}

}  // namespace

double round_half_even(double x) {
  const double r = std::round(x);
  if (std::abs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return r;
}

bool is_nn(const OrdinalDomain& d) { return d.kind == "nn" || d.kind == "nn-log"; }

void normalize_and_validate(Domain& d, const std::string& what) {
  std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          if (!std::isfinite(x.lower) || !std::isfinite(x.upper))
            fail(what, "bounds must be finite, got [" + num(x.lower) + ", " + num(x.upper) + "]");
          if (x.lower > x.upper)
            fail(what, "lower " + num(x.lower) + " > upper " + num(x.upper) + "; swap them");
          if (x.scale == Scale::kLog && !(x.lower > 0))
            fail(what, "log scale needs lower > 0, got " + num(x.lower) + "; use uniform instead");
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          if (x.lower > x.upper)
            fail(what, "lower " + std::to_string(x.lower) + " > upper " + std::to_string(x.upper) +
                           "; swap them");
          if (x.scale == Scale::kLog && x.lower <= 0)
            fail(what, "log scale needs lower >= 1, got " + std::to_string(x.lower) +
                           "; use randint instead");
        } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
          validate_categories(x.categories, what);
        } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
          validate_categories(x.categories, what);
          const bool numeric = is_numeric(x.categories[0]);
          if (x.kind.empty())
            x.kind = numeric && x.categories.size() > 1 && strictly_increasing(x.categories)
                         ? "nn"
                         : "equal";
          if (x.kind != "equal" && x.kind != "nn" && x.kind != "nn-log")
            fail(what, "unknown ordinal kind '" + x.kind + "'; use equal, nn or nn-log");
          if (is_nn(x)) {
            if (!numeric) fail(what, "kind " + x.kind + " needs numeric values; use kind=equal");
            if (!strictly_increasing(x.categories))
              fail(what, "kind " + x.kind + " needs strictly increasing values");
            if (x.kind == "nn-log" && !(x.categories[0].template get<double>() > 0))
              fail(what, "kind nn-log (logordinal) needs positive values");
          }
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          if (!std::isfinite(x.lower) || !std::isfinite(x.upper))
            fail(what, "bounds must be finite");
          if (x.lower > x.upper)
            fail(what, "lower " + num(x.lower) + " > upper " + num(x.upper) + "; swap them");
          if (x.size < 1) fail(what, "size must be >= 1, got " + std::to_string(x.size));
          if (x.scale == Scale::kLog && !(x.lower > 0))
            fail(what, "log scale needs lower > 0, got " + num(x.lower));
        }
      },
      d);
}

NnOrdinalGeometry nn_geometry(const OrdinalDomain& d) {
  NnOrdinalGeometry g;
  const bool log = d.kind == "nn-log";
  for (const auto& c : d.categories) {
    const double v = c.get<double>();
    g.internal.push_back(log ? std::log(v) : v);
  }
  if (g.internal.size() > 1) {
    const double half_gap =
        0.5 * (g.internal.back() - g.internal.front()) / static_cast<double>(g.internal.size() - 1);
    g.lo = g.internal.front() - half_gap;
    g.hi = g.internal.back() + half_gap;
  } else {
    g.lo = g.hi = g.internal.front();
  }
  return g;
}

std::size_t nearest_index(const std::vector<double>& internal, double v) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < internal.size(); ++i)
    if (std::abs(internal[i] - v) < std::abs(internal[best] - v)) best = i;
  return best;
}

std::int64_t finrange_index(const FiniteRangeDomain& d, double v) {
  if (d.size <= 1 || d.lower == d.upper) return 0;
  const bool log = d.scale == Scale::kLog;
  double x = std::clamp(v, d.lower, d.upper);
  const double lo = log ? std::log(d.lower) : d.lower;
  const double hi = log ? std::log(d.upper) : d.upper;
  if (log) x = std::log(x);
  const double step = (hi - lo) / static_cast<double>(d.size - 1);
  const double idx = round_half_even((x - lo) / step);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(idx), 0, d.size - 1);
}

Json finrange_json_value(const FiniteRangeDomain& d, std::int64_t index) {
  const double v = d.value(index);
  if (d.cast_int) return Json(static_cast<std::int64_t>(v));
  return Json(v);
}

std::ptrdiff_t category_index(const std::vector<Json>& cats, const Json& v) {
  for (std::size_t i = 0; i < cats.size(); ++i)
    if (cats[i] == v) return static_cast<std::ptrdiff_t>(i);
  if (v.is_number() && !cats.empty() && cats[0].is_number()) {
    // Nearest numeric category within 1% (round-off from string round trips).
    const double x = v.get<double>();
    std::ptrdiff_t best = -1;
    double best_d = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < cats.size(); ++i) {
      const double d = std::abs(cats[i].get<double>() - x);
      if (d < best_d) best_d = d, best = static_cast<std::ptrdiff_t>(i);
    }
    if (best >= 0 && best_d <= 0.01 * std::abs(cats[best].get<double>())) return best;
  }
  return -1;
}

namespace {
double need_number(const std::string& name, const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  throw InvalidArgument("hyperparameter '" + name + "': expected a number, got " + v.dump());
}
void check_range(const std::string& name, double v, double lo, double hi) {
  const double tol = 1e-9 * std::max(1.0, std::abs(hi - lo));
  if (!(v >= lo - tol && v <= hi + tol))
    throw InvalidArgument("hyperparameter '" + name + "': value " + num(v) + " is outside [" +
                          num(lo) + ", " + num(hi) + "]");
}
}  // namespace

Json cast_value(const std::string& name, const Domain& d, const Json& v) {
  return std::visit(
      [&](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          const double f = need_number(name, v);
          check_range(name, f, x.lower, x.upper);
          return Json(std::clamp(f, x.lower, x.upper));
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          const double f = round_half_even(need_number(name, v));
          check_range(name, f, static_cast<double>(x.lower), static_cast<double>(x.upper));
          return Json(static_cast<std::int64_t>(f));
        } else if constexpr (std::is_same_v<T, CategoricalDomain> ||
                             std::is_same_v<T, OrdinalDomain>) {
          if constexpr (std::is_same_v<T, OrdinalDomain>) {
            if (is_nn(x) && v.is_number()) {
              const auto g = nn_geometry(x);
              const double f = v.get<double>();
              if (x.kind == "nn-log" && !(f > 0))
                throw InvalidArgument("hyperparameter '" + name + "': value " + v.dump() +
                                      " must be positive (logordinal)");
              return x.categories[nearest_index(g.internal, x.kind == "nn-log" ? std::log(f) : f)];
            }
          }
          const auto i = category_index(x.categories, v);
          if (i < 0) {
            std::string list;
            for (const auto& c : x.categories) list += (list.empty() ? "" : ", ") + c.dump();
            throw InvalidArgument("hyperparameter '" + name + "': value " + v.dump() +
                                  " is not one of [" + list + "]");
          }
          return x.categories[static_cast<std::size_t>(i)];
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          const double f = need_number(name, v);
          // With cast_int, rounded end values may lie just outside [lower, upper].
          const double a = x.value(0), b = x.value(x.size - 1);
          check_range(name, f, std::min(a, x.lower), std::max(b, x.upper));
          return finrange_json_value(x, finrange_index(x, f));
        } else {
          return x.value;
        }
      },
      d);
}

Json sample_value(const Domain& d, Rng& rng) {
  return std::visit(
      [&](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          if (x.scale == Scale::kLog)
            return Json(std::clamp(std::exp(rng.uniform(std::log(x.lower), std::log(x.upper))),
                                   x.lower, x.upper));
          return Json(std::clamp(rng.uniform(x.lower, x.upper), x.lower, x.upper));
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          if (x.scale == Scale::kLog) {
            const double v = round_half_even(std::exp(rng.uniform(
                std::log(static_cast<double>(x.lower)), std::log(static_cast<double>(x.upper)))));
            return Json(std::clamp(static_cast<std::int64_t>(v), x.lower, x.upper));
          }
          return Json(rng.randint(x.lower, x.upper));
        } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
          return x.categories[rng.index(x.categories.size())];
        } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
          if (!is_nn(x) || x.categories.size() == 1) return x.categories[rng.index(x.categories.size())];
          const auto g = nn_geometry(x);
          return x.categories[nearest_index(g.internal, rng.uniform(g.lo, g.hi))];
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          return finrange_json_value(x, rng.randint(0, x.size - 1));
        } else {
          return x.value;
        }
      },
      d);
}

std::uint64_t domain_size(const Domain& d) {
  return std::visit(
      [](const auto& x) -> std::uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          return x.lower < x.upper ? 0 : 1;
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          return static_cast<std::uint64_t>(x.upper - x.lower) + 1;
        } else if constexpr (std::is_same_v<T, CategoricalDomain> ||
                             std::is_same_v<T, OrdinalDomain>) {
          return x.categories.size();
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          return static_cast<std::uint64_t>(x.size);
        } else {
          return 1;
        }
      },
      d);
}

}  // namespace space_detail

double FiniteRangeDomain::value(std::int64_t index) const {
  const bool log = scale == Scale::kLog;
  const double lo = log ? std::log(lower) : lower;
  const double hi = log ? std::log(upper) : upper;
  const double step = size > 1 ? (hi - lo) / static_cast<double>(size - 1) : 0.0;
  double y = lo + static_cast<double>(index) * step;
  if (log) y = std::exp(y);
  y = std::clamp(y, lower, upper);
  return cast_int ? space_detail::round_half_even(y) : y;
}

namespace {
Domain built(Domain d, const std::string& what) {
  space_detail::normalize_and_validate(d, what);
  return d;
}
std::string args2(double a, double b) { return "(" + Json(a).dump() + ", " + Json(b).dump() + ")"; }
}  // namespace

Domain uniform(double lower, double upper) {
  return built(FloatDomain{lower, upper, Scale::kLinear}, "uniform" + args2(lower, upper));
}
Domain loguniform(double lower, double upper) {
  return built(FloatDomain{lower, upper, Scale::kLog}, "loguniform" + args2(lower, upper));
}
Domain randint(std::int64_t lower, std::int64_t upper) {
  return built(IntDomain{lower, upper, Scale::kLinear},
               "randint(" + std::to_string(lower) + ", " + std::to_string(upper) + ")");
}
Domain lograndint(std::int64_t lower, std::int64_t upper) {
  return built(IntDomain{lower, upper, Scale::kLog},
               "lograndint(" + std::to_string(lower) + ", " + std::to_string(upper) + ")");
}
Domain choice(std::vector<Json> categories) {
  return built(CategoricalDomain{std::move(categories)}, "choice");
}
Domain ordinal(std::vector<Json> categories, std::string kind) {
  return built(OrdinalDomain{std::move(categories), std::move(kind)}, "ordinal");
}
Domain logordinal(std::vector<Json> categories) {
  return built(OrdinalDomain{std::move(categories), "nn-log"}, "logordinal");
}
Domain finrange(double lower, double upper, std::int64_t size, bool cast_int) {
  return built(FiniteRangeDomain{lower, upper, size, Scale::kLinear, cast_int}, "finrange");
}
Domain logfinrange(double lower, double upper, std::int64_t size, bool cast_int) {
  return built(FiniteRangeDomain{lower, upper, size, Scale::kLog, cast_int}, "logfinrange");
}
Domain constant(Json value) { return ConstantDomain{std::move(value)}; }

}  // namespace synetune
