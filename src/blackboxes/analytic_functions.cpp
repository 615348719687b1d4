#include "synetune/blackboxes/analytic_functions.hpp"

#include <cmath>
#include <numbers>

namespace synetune {
namespace {

template <std::size_t D>
double hartmann(std::span<const double> x, const double (&a)[4][D], const double (&p)[4][D]) {
  constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (std::size_t j = 0; j < D; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

}  // namespace

double branin(std::span<const double> x) {
  constexpr double pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

double hartmann3(std::span<const double> x) {
  static constexpr double a[4][3] = {{3.0, 10, 30}, {0.1, 10, 35}, {3.0, 10, 30}, {0.1, 10, 35}};
  static constexpr double p[4][3] = {{0.3689, 0.1170, 0.2673},
                                     {0.4699, 0.4387, 0.7470},
                                     {0.1091, 0.8732, 0.5547},
                                     {0.03815, 0.5743, 0.8828}};
  return hartmann<3>(x, a, p);
}

double hartmann6(std::span<const double> x) {
  static constexpr double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                     {0.05, 10, 17, 0.1, 8, 14},
                                     {3, 3.5, 1.7, 10, 17, 8},
                                     {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                     {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                     {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                     {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  return hartmann<6>(x, a, p);
}

const AnalyticFunction& branin_function() {
  static const AnalyticFunction f{"branin", {{-5.0, 10.0}, {0.0, 15.0}}, 0.39788735772973816, &branin};
  return f;
}
const AnalyticFunction& hartmann3_function() {
  static const AnalyticFunction f{"hartmann3", {{0, 1}, {0, 1}, {0, 1}}, -3.86278214782076, &hartmann3};
  return f;
}
const AnalyticFunction& hartmann6_function() {
  static const AnalyticFunction f{
      "hartmann6", {{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}}, -3.32236801141551, &hartmann6};
  return f;
}

}  // namespace synetune
