#pragma once
/// Monotone transforms of the targets a GP is fitted on (smaller is better throughout).
///
/// Why: Syne Tune standardises the targets (mean 0, std 1) and uses EI with a fixed offset of
/// 0.01 standardised units. On functions whose values span orders of magnitude (Branin: ~300
/// across the box, ~1e-3 between near-optimal points) the GP then cannot resolve the
/// near-optimal differences (they are below its fitted noise) and EI stalls around the
/// incumbent. The rank-Gaussian ("copula") transform of Salinas et al. (ICML 2020) maps the
/// i-th smallest of n targets to the normal quantile Phi^-1((i + 0.5) / n): the spacing of the
/// best targets no longer depends on their raw differences, so as samples concentrate near the
/// optimum the model's resolution there increases with them. EI is then computed in the
/// transformed space (f* included); the transform is monotone, so improvements agree.
#include <string>

#include <Eigen/Dense>

namespace synetune {

enum class TargetTransform {
  kStandardize,   ///< (y - mean) / std (Syne Tune's normalize_targets)
  kRankGaussian,  ///< Phi^-1((rank + 0.5) / n), ties get their mean rank
};
std::string to_string(TargetTransform t);
/// "standardize" | "rank_gaussian"; throws InvalidArgument otherwise.
TargetTransform parse_target_transform(const std::string& s);

/// Inverse of the standard normal CDF for p in (0, 1) (|error| < 1e-12 after refinement).
double normal_quantile(double p);

/// Phi^-1((rank_i + 0.5) / n) for the finite entries of y (rank 0 = smallest, ties share the
/// mean rank); non-finite entries stay NaN. Order-preserving, symmetric about 0.
Eigen::VectorXd rank_gaussian_transform(const Eigen::VectorXd& y);

}  // namespace synetune
