#include "synetune/surrogate/target_transform.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "synetune/core/error.hpp"
#include "synetune/surrogate/acquisition.hpp"

namespace synetune {

std::string to_string(TargetTransform t) {
  return t == TargetTransform::kStandardize ? "standardize" : "rank_gaussian";
}

TargetTransform parse_target_transform(const std::string& s) {
  if (s == "standardize") return TargetTransform::kStandardize;
  if (s == "rank_gaussian") return TargetTransform::kRankGaussian;
  throw InvalidArgument("target_transform must be 'standardize' or 'rank_gaussian', got '" + s + "'");
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0))
    throw InvalidArgument("normal_quantile: p must be in (0, 1), got " + std::to_string(p));
  // Acklam's rational approximation (relative error 1.15e-9), then one Halley step.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x = 0;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * 3.14159265358979323846) * std::exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

Eigen::VectorXd rank_gaussian_transform(const Eigen::VectorXd& y) {
  std::vector<Eigen::Index> idx;
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (std::isfinite(y(i))) idx.push_back(i);
  Eigen::VectorXd z = Eigen::VectorXd::Constant(y.size(), std::numeric_limits<double>::quiet_NaN());
  const auto n = static_cast<double>(idx.size());
  std::stable_sort(idx.begin(), idx.end(), [&](Eigen::Index a, Eigen::Index b) { return y(a) < y(b); });
  for (std::size_t lo = 0; lo < idx.size();) {
    std::size_t hi = lo;
    while (hi + 1 < idx.size() && y(idx[hi + 1]) == y(idx[lo])) ++hi;
    const double rank = 0.5 * static_cast<double>(lo + hi);  // mean rank of the tie group
    const double q = normal_quantile((rank + 0.5) / n);
    for (std::size_t k = lo; k <= hi; ++k) z(idx[k]) = q;
    lo = hi + 1;
  }
  return z;
}

}  // namespace synetune
