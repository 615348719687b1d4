// ConfigEncoder: Syne Tune's HyperparameterRanges encoding into [0,1]^d (reference 4.1).
#include <algorithm>
#include <cmath>
#include <limits>

#include "space/domain_ops.hpp"
#include "synetune/core/error.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

using namespace space_detail;

namespace {

constexpr std::size_t kNpos = std::numeric_limits<std::size_t>::max();
constexpr double kIntEps = 1e-8;

// A scalar range [lo, hi] in internal (possibly log) coordinates.
struct Box {
  double lo, hi;
  bool log;
  double encode(double v) const {
    if (hi == lo) return 0.0;
    const double s = log ? std::log(v) : v;
    const double a = log ? std::log(lo) : lo, b = log ? std::log(hi) : hi;
    return std::clamp((s - a) / (b - a), 0.0, 1.0);
  }
  double decode(double x) const {
    if (hi == lo) return lo;
    const double a = log ? std::log(lo) : lo, b = log ? std::log(hi) : hi;
    const double s = a + std::clamp(x, 0.0, 1.0) * (b - a);
    return std::clamp(log ? std::exp(s) : s, lo, hi);
  }
};

// Integers live on [l - 0.5 + eps, u + 0.5 - eps] so that each value owns an equal share.
Box int_box(double l, double u, bool log) { return Box{l - 0.5 + kIntEps, u + 0.5 - kIntEps, log}; }

std::int64_t decode_int(const Box& b, double x, std::int64_t l, std::int64_t u) {
  return std::clamp(static_cast<std::int64_t>(round_half_even(b.decode(x))), l, u);
}

std::size_t width(const Domain& d) {
  if (const auto* c = std::get_if<CategoricalDomain>(&d))
    return c->categories.size() > 2 ? c->categories.size() : 1;
  return std::holds_alternative<ConstantDomain>(d) ? 0 : 1;
}

}  // namespace

ConfigEncoder::ConfigEncoder(const ConfigSpace& space) : space_(space) {
  std::size_t tunable = 0;
  for (const auto& hp : space_.hyperparameters()) {
    const std::size_t w = width(hp.domain);
    offset_.push_back(w == 0 ? kNpos : dim_);
    for (std::size_t k = 0; k < w; ++k) {
      dim_owner_.push_back(tunable);
      categorical_dim_.push_back(std::holds_alternative<CategoricalDomain>(hp.domain));
    }
    dim_ += w;
    if (w > 0) ++tunable;
  }
}

std::vector<double> ConfigEncoder::encode(const Config& config) const {
  std::vector<double> x(dim_, 0.0);
  const auto& hps = space_.hyperparameters();
  for (std::size_t h = 0; h < hps.size(); ++h) {
    const auto& hp = hps[h];
    if (hp.is_constant()) continue;
    auto it = config.find(hp.name);
    if (it == config.end())
      throw InvalidArgument("cannot encode configuration " + config.dump() +
                            ": it lacks hyperparameter '" + hp.name + "'");
    const Json v = cast_value(hp.name, hp.domain, *it);
    double* out = x.data() + offset_[h];
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, FloatDomain>) {
            out[0] = Box{d.lower, d.upper, d.scale == Scale::kLog}.encode(v.get<double>());
          } else if constexpr (std::is_same_v<T, IntDomain>) {
            out[0] = int_box(static_cast<double>(d.lower), static_cast<double>(d.upper),
                             d.scale == Scale::kLog)
                         .encode(v.get<double>());
          } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
            const auto i = static_cast<std::size_t>(category_index(d.categories, v));
            const std::size_t n = d.categories.size();
            if (n == 2) out[0] = int_box(0, 1, false).encode(static_cast<double>(i));
            else if (n > 2) out[i] = 1.0;
          } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
            const auto i = static_cast<double>(category_index(d.categories, v));
            const double n1 = static_cast<double>(d.categories.size() - 1);
            if (is_nn(d) && d.categories.size() > 1) {
              const auto g = nn_geometry(d);
              out[0] = Box{g.lo, g.hi, false}.encode(g.internal[static_cast<std::size_t>(i)]);
            } else {
              out[0] = int_box(0, n1, false).encode(i);
            }
          } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
            out[0] = int_box(0, static_cast<double>(d.size - 1), false)
                         .encode(static_cast<double>(finrange_index(d, v.get<double>())));
          }
        },
        hp.domain);
  }
  return x;
}

Config ConfigEncoder::decode(const std::vector<double>& x) const {
  if (x.size() != dim_)
    throw InvalidArgument("cannot decode a vector of size " + std::to_string(x.size()) +
                          ": the encoding has dimension " + std::to_string(dim_));
  Config c = Json::object();
  const auto& hps = space_.hyperparameters();
  for (std::size_t h = 0; h < hps.size(); ++h) {
    const auto& hp = hps[h];
    const double* in = hp.is_constant() ? nullptr : x.data() + offset_[h];
    c[hp.name] = std::visit(
        [&](const auto& d) -> Json {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, FloatDomain>) {
            return Box{d.lower, d.upper, d.scale == Scale::kLog}.decode(in[0]);
          } else if constexpr (std::is_same_v<T, IntDomain>) {
            return decode_int(int_box(static_cast<double>(d.lower), static_cast<double>(d.upper),
                                      d.scale == Scale::kLog),
                              in[0], d.lower, d.upper);
          } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
            const std::size_t n = d.categories.size();
            if (n == 1) return d.categories[0];
            if (n == 2) return d.categories[static_cast<std::size_t>(decode_int(int_box(0, 1, false), in[0], 0, 1))];
            return d.categories[static_cast<std::size_t>(std::max_element(in, in + n) - in)];
          } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
            const auto n1 = static_cast<std::int64_t>(d.categories.size() - 1);
            if (is_nn(d) && n1 > 0) {
              const auto g = nn_geometry(d);
              return d.categories[nearest_index(g.internal, Box{g.lo, g.hi, false}.decode(in[0]))];
            }
            return d.categories[static_cast<std::size_t>(
                decode_int(int_box(0, static_cast<double>(n1), false), in[0], 0, n1))];
          } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
            return finrange_json_value(
                d, decode_int(int_box(0, static_cast<double>(d.size - 1), false), in[0], 0,
                              d.size - 1));
          } else {
            return d.value;
          }
        },
        hp.domain);
  }
  return c;
}

}  // namespace synetune
