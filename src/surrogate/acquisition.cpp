#include "synetune/surrogate/acquisition.hpp"

#include <cmath>
#include <numbers>

namespace synetune {

double normal_pdf(double u) { return std::exp(-0.5 * u * u) / std::sqrt(2.0 * std::numbers::pi); }
double normal_cdf(double u) { return 0.5 * std::erfc(-u / std::numbers::sqrt2); }

EIValue expected_improvement(double mean, double sigma, double f_best, double jitter) {
  const bool floored = !(sigma > kEIMinSigma);
  const double s = floored ? kEIMinSigma : sigma;
  const double u = (f_best - mean - jitter) / s;
  const double cdf = normal_cdf(u), pdf = normal_pdf(u);
  EIValue ei;
  ei.value = s * (u * cdf + pdf);
  ei.d_mean = -cdf;
  ei.d_sigma = floored ? 0.0 : pdf;
  return ei;
}

ProbabilityValue probability_feasible(double mean, double sigma) {
  const bool floored = !(sigma > kEIMinSigma);
  const double s = floored ? kEIMinSigma : sigma;
  const double z = -mean / s;
  const double pdf = normal_pdf(z);
  ProbabilityValue p;
  p.value = normal_cdf(z);
  p.d_mean = -pdf / s;
  p.d_sigma = floored ? 0.0 : pdf * mean / (s * s);
  return p;
}

}  // namespace synetune
