#include "synetune/surrogate/target_transform.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "synetune/core/error.hpp"
#include "synetune/surrogate/acquisition.hpp"

namespace synetune {
namespace {

TEST(TargetTransform, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-12, 1e-6, 0.01, 0.02425, 0.2, 0.5, 0.7, 0.975, 0.999999})
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-12 * std::max(1.0, p / 1e-3)) << p;
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-10);
  EXPECT_DOUBLE_EQ(normal_quantile(0.5), 0.0);
  EXPECT_THROW(normal_quantile(0.0), InvalidArgument);
  EXPECT_THROW(normal_quantile(1.0), InvalidArgument);
}

TEST(TargetTransform, RankGaussianDependsOnlyOnRanks) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd y(5);
  y << 300.0, 0.3980, 0.3979, nan, 50.0;
  const Eigen::VectorXd z = rank_gaussian_transform(y);
  // 4 finite values, ranks 3, 1, 0, 2 -> Phi^-1((r + 0.5) / 4).
  EXPECT_NEAR(z(2), normal_quantile(0.125), 1e-12);
  EXPECT_NEAR(z(1), normal_quantile(0.375), 1e-12);
  EXPECT_NEAR(z(4), normal_quantile(0.625), 1e-12);
  EXPECT_NEAR(z(0), normal_quantile(0.875), 1e-12);
  EXPECT_TRUE(std::isnan(z(3)));
  // The tiny gap between the two best raw values becomes a full quantile step.
  EXPECT_GT(z(1) - z(2), 0.5);
  // Any monotone change of the raw values gives the same result.
  Eigen::VectorXd y2 = y;
  for (Eigen::Index i = 0; i < y2.size(); ++i) y2(i) = std::log(y(i)) * 7 + 1;
  const Eigen::VectorXd z2 = rank_gaussian_transform(y2);
  for (Eigen::Index i : {0, 1, 2, 4}) EXPECT_DOUBLE_EQ(z(i), z2(i));
}

TEST(TargetTransform, TiesShareTheirMeanRank) {
  Eigen::VectorXd y(4);
  y << 2.0, 1.0, 2.0, 3.0;
  const Eigen::VectorXd z = rank_gaussian_transform(y);
  EXPECT_DOUBLE_EQ(z(0), z(2));
  EXPECT_NEAR(z(0), 0.0, 1e-12);  // mean rank 1.5 of 4 -> p = 0.5
  EXPECT_LT(z(1), z(0));
  EXPECT_GT(z(3), z(0));
  EXPECT_EQ(parse_target_transform("rank_gaussian"), TargetTransform::kRankGaussian);
  EXPECT_EQ(to_string(TargetTransform::kStandardize), "standardize");
  EXPECT_THROW(parse_target_transform("boxcox"), InvalidArgument);
}

}  // namespace
}  // namespace synetune
