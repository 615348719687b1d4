#include "synetune/blackboxes/analytic_functions.hpp"

#include <gtest/gtest.h>

#include <numbers>
#include <vector>

namespace synetune {
namespace {

TEST(AnalyticFunctions, KnownMinima) {
  const std::vector<double> b1{-std::numbers::pi, 12.275}, b2{std::numbers::pi, 2.275}, b3{9.42478, 2.475};
  for (const auto& x : {b1, b2, b3}) EXPECT_NEAR(branin(x), 0.397887, 1e-5);
  EXPECT_NEAR(hartmann3(std::vector<double>{0.114614, 0.555649, 0.852547}), -3.86278, 1e-5);
  EXPECT_NEAR(hartmann6(std::vector<double>{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}),
              -3.32237, 1e-5);
  EXPECT_EQ(branin_function().dimension(), 2u);
  EXPECT_EQ(hartmann6_function().dimension(), 6u);
  EXPECT_NEAR(hartmann6_function().optimum_value, -3.32237, 1e-5);
  // Elsewhere the functions are above their minima.
  EXPECT_GT(branin(std::vector<double>{0.0, 0.0}), branin_function().optimum_value);
  EXPECT_GT(hartmann3(std::vector<double>{0.5, 0.5, 0.5}), hartmann3_function().optimum_value);
}

}  // namespace
}  // namespace synetune
