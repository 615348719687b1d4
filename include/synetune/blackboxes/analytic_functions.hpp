#pragma once
/// Classic analytic test functions for Bayesian optimization (pure functions, no I/O):
/// Branin, Hartmann3, Hartmann6, with their domains and known global minima.
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace synetune {

struct AnalyticFunction {
  std::string name;
  /// Box domain, one (lower, upper) pair per input.
  std::vector<std::pair<double, double>> bounds;
  double optimum_value;  ///< global minimum value
  double (*evaluate)(std::span<const double> x);
  std::size_t dimension() const { return bounds.size(); }
};

/// Branin on [-5,10] x [0,15], minimum 0.397887 (at three points, e.g. (pi, 2.275)).
double branin(std::span<const double> x);
/// Hartmann3 on [0,1]^3, minimum -3.86278 at (0.114614, 0.555649, 0.852547).
double hartmann3(std::span<const double> x);
/// Hartmann6 on [0,1]^6, minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332,
/// 0.311652, 0.6573).
double hartmann6(std::span<const double> x);

const AnalyticFunction& branin_function();
const AnalyticFunction& hartmann3_function();
const AnalyticFunction& hartmann6_function();

}  // namespace synetune
