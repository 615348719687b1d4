#pragma once
/// Acquisition functions of Syne Tune's GP searchers (reference section 5.6), as plain
/// functions of the posterior mean and standard deviation so that any surrogate can use them.
namespace synetune {

/// Syne Tune's EI jitter: u = (f* - mu - 0.01) / sigma.
inline constexpr double kEIJitter = 0.01;
/// Smallest sigma used by EI (Syne Tune floors sigma at 1e-10).
inline constexpr double kEIMinSigma = 1e-10;

double normal_pdf(double u);
double normal_cdf(double u);

/// Expected improvement (for minimisation) below `f_best`:
/// EI = sigma (u Phi(u) + phi(u)), u = (f_best - mean - jitter) / sigma.
struct EIValue {
  double value = 0;
  double d_mean = 0;   ///< dEI / dmean  = -Phi(u)
  double d_sigma = 0;  ///< dEI / dsigma = phi(u) (0 when sigma is floored)
};
EIValue expected_improvement(double mean, double sigma, double f_best, double jitter = kEIJitter);

/// Probability that a GP-modelled constraint c(x) is <= 0, with derivatives.
struct ProbabilityValue {
  double value = 0;
  double d_mean = 0;
  double d_sigma = 0;
};
ProbabilityValue probability_feasible(double mean, double sigma);

}  // namespace synetune
