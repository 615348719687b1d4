#include "synetune/surrogate/gaussian_process.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "synetune/surrogate/acquisition.hpp"

namespace synetune {
namespace {

double matern52(double r) {
  const double s5 = std::sqrt(5.0);
  return (1 + s5 * r + 5.0 / 3.0 * r * r) * std::exp(-s5 * r);
}

GPHyperparameters hp1d(double ib, double scale, double noise, double mean) {
  GPHyperparameters hp = GPHyperparameters::initial(1);
  hp.inverse_bandwidths(0) = ib;
  hp.covariance_scale = scale;
  hp.noise_variance = noise;
  hp.mean = mean;
  return hp;
}

TEST(GPPosterior, TwoPointsMatchClosedForm) {
  const double ib = 2.0, s2 = 1.5, nu = 0.1, m = 0.3;
  Eigen::MatrixXd X(2, 1);
  X << 0.0, 0.5;
  Eigen::MatrixXd Y(2, 1);
  Y << 1.0, -2.0;
  const GPPosterior post(X, Y, hp1d(ib, s2, nu, m));
  // Hand-computed 2x2 inverse.
  const double k12 = s2 * matern52(ib * 0.5);
  const double a = s2 + nu, det = a * a - k12 * k12;
  const double r1 = Y(0) - m, r2 = Y(1) - m;
  const double al1 = (a * r1 - k12 * r2) / det, al2 = (-k12 * r1 + a * r2) / det;
  const double xs = 0.2;
  const double k1 = s2 * matern52(ib * xs), k2 = s2 * matern52(ib * std::abs(xs - 0.5));
  const double mean = m + k1 * al1 + k2 * al2;
  const double var = s2 - (a * k1 * k1 - 2 * k12 * k1 * k2 + a * k2 * k2) / det;
  Eigen::MatrixXd Xt(1, 1);
  Xt << xs;
  Eigen::MatrixXd mu;
  Eigen::VectorXd v;
  post.predict(Xt, mu, v);
  EXPECT_NEAR(mu(0, 0), mean, 1e-12);
  EXPECT_NEAR(v(0), var, 1e-12);
  EXPECT_EQ(post.jitter(), 0.0);
}

Eigen::MatrixXd random_matrix(Eigen::Index r, Eigen::Index c, Rng& rng) {
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < r; ++i)
    for (Eigen::Index j = 0; j < c; ++j) m(i, j) = rng.uniform();
  return m;
}

class GradientBySize : public ::testing::TestWithParam<int> {};

// 130 points exercise the blocked (recursive) inverse used for the gradient.
INSTANTIATE_TEST_SUITE_P(GaussianProcess, GradientBySize, ::testing::Values(12, 130));

TEST_P(GradientBySize, MarginalLikelihoodGradientMatchesFiniteDifferences) {
  Rng rng(1);
  const int n = GetParam();
  const Eigen::MatrixXd X = random_matrix(n, 3, rng);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = std::sin(3 * X(i, 0)) + X(i, 1) * X(i, 2) + 0.1 * rng.normal();
  GaussianProcess gp(3);
  gp.set_data(X, y);
  Eigen::VectorXd theta(6);
  theta << std::log(0.7), std::log(2.0), std::log(1.3), std::log(0.8), std::log(0.05), 0.2;
  Eigen::VectorXd grad;
  gp.neg_log_posterior(theta, &grad);
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    const double h = 1e-6;
    Eigen::VectorXd tp = theta, tm = theta;
    tp(i) += h;
    tm(i) -= h;
    const double fd = (gp.neg_log_posterior(tp, nullptr) - gp.neg_log_posterior(tm, nullptr)) / (2 * h);
    EXPECT_NEAR(grad(i), fd, 1e-5 * std::max(1.0, std::abs(fd))) << "parameter " << i;
  }
}

TEST(GPPosterior, MeanAndVarianceGradientsMatchFiniteDifferences) {
  Rng rng(2);
  const Eigen::MatrixXd X = random_matrix(10, 2, rng);
  Eigen::MatrixXd Y = random_matrix(10, 3, rng);  // three "fantasy" columns
  GPHyperparameters hp = GPHyperparameters::initial(2);
  hp.inverse_bandwidths << 3.0, 1.5;
  hp.noise_variance = 1e-3;
  const GPPosterior post(X, Y, hp);
  Eigen::VectorXd x(2);
  x << 0.37, 0.61;
  Eigen::VectorXd mean;
  double var;
  Eigen::MatrixXd dmean;
  Eigen::VectorXd dvar;
  post.predict_with_gradient(x, mean, var, &dmean, &dvar);
  for (Eigen::Index i = 0; i < 2; ++i) {
    const double h = 1e-6;
    Eigen::VectorXd xp = x, xm = x;
    xp(i) += h;
    xm(i) -= h;
    Eigen::VectorXd mp, mm;
    double vp, vm;
    post.predict_with_gradient(xp, mp, vp, nullptr, nullptr);
    post.predict_with_gradient(xm, mm, vm, nullptr, nullptr);
    for (Eigen::Index s = 0; s < 3; ++s) EXPECT_NEAR(dmean(i, s), (mp(s) - mm(s)) / (2 * h), 1e-6);
    EXPECT_NEAR(dvar(i), (vp - vm) / (2 * h), 1e-6);
  }
  // Batch prediction agrees with the single-point one.
  Eigen::MatrixXd mb;
  Eigen::VectorXd vb;
  post.predict(x.transpose(), mb, vb);
  EXPECT_NEAR(mb(0, 2), mean(2), 1e-12);
  EXPECT_NEAR(vb(0), var, 1e-12);
}

TEST(GPPosterior, DuplicateInputsWithoutNoiseNeedJitter) {
  Eigen::MatrixXd X(3, 1);
  X << 0.5, 0.5, 0.5;
  Eigen::MatrixXd Y(3, 1);
  Y << 1.0, 1.1, 0.9;
  GPHyperparameters hp = hp1d(1.0, 1.0, 0.0, 0.0);
  const GPPosterior post(X, Y, hp);
  EXPECT_GT(post.jitter(), 0.0);
  Eigen::MatrixXd mu;
  Eigen::VectorXd v;
  post.predict(X.topRows(1), mu, v);
  EXPECT_NEAR(mu(0, 0), 1.0, 1e-3);
  EXPECT_TRUE(std::isfinite(v(0)));
}

TEST(GaussianProcess, FitsDuplicatesAndConstantTargets) {
  Rng rng(3);
  Eigen::MatrixXd X = random_matrix(8, 2, rng);
  X.row(3) = X.row(1);
  X.row(4) = X.row(1);
  const Eigen::VectorXd y = Eigen::VectorXd::Constant(8, 0.25);
  GaussianProcess gp(2);
  gp.set_data(X, y);
  gp.fit(rng);
  const auto& hp = gp.hyperparameters();
  EXPECT_TRUE(std::isfinite(hp.covariance_scale));
  EXPECT_TRUE(hp.inverse_bandwidths.allFinite());
  const GPPosterior post = gp.posterior();
  Eigen::MatrixXd mu;
  Eigen::VectorXd v;
  post.predict(random_matrix(5, 2, rng), mu, v);
  for (Eigen::Index i = 0; i < 5; ++i) EXPECT_NEAR(mu(i, 0), 0.25, 1e-2);
}

TEST(GaussianProcess, FitImprovesLikelihoodAndDropsNonFiniteTargets) {
  Rng rng(4);
  const Eigen::MatrixXd X = random_matrix(20, 2, rng);
  Eigen::VectorXd y(20);
  for (Eigen::Index i = 0; i < 20; ++i) y(i) = std::sin(6 * X(i, 0)) + 0.01 * X(i, 1);
  y(5) = std::nan("");
  y(7) = INFINITY;
  GaussianProcess gp(2);
  EXPECT_EQ(gp.set_data(X, y), 2u);
  EXPECT_EQ(gp.num_data(), 18u);
  const double before = gp.neg_log_posterior(GPHyperparameters::initial(2).to_internal(), nullptr);
  gp.fit(rng);
  const double after = gp.neg_log_posterior(gp.hyperparameters().to_internal(), nullptr);
  EXPECT_LT(after, before - 1.0);
  // Dim 0 matters more than dim 1.
  EXPECT_GT(gp.hyperparameters().inverse_bandwidths(0), gp.hyperparameters().inverse_bandwidths(1));
}

// A warm start from the previous fit (one observation fewer) reaches the cold fit's
// -log posterior within a fraction of a nat, in far fewer likelihood evaluations, and the
// perturbed restart stays within its evaluation budget.
TEST(GaussianProcess, WarmStartedFitMatchesColdFitCheaply) {
  Rng rng(5);
  const Eigen::MatrixXd X = random_matrix(61, 3, rng);
  Eigen::VectorXd y(61);
  for (Eigen::Index i = 0; i < 61; ++i) y(i) = std::sin(5 * X(i, 0)) + X(i, 1) * X(i, 1);
  GaussianProcess previous(3);
  previous.set_data(X.topRows(60), y.head(60));
  previous.fit(rng);
  GaussianProcess cold(3), warm(3);
  cold.set_data(X, y);
  warm.set_data(X, y);
  cold.fit(rng);
  GPFitOptions options{.warm_start = previous.hyperparameters(), .warm_restart_maxevals = 4};
  warm.fit(rng, options);
  const double f_cold = cold.neg_log_posterior(cold.hyperparameters().to_internal(), nullptr);
  const double f_warm = warm.neg_log_posterior(warm.hyperparameters().to_internal(), nullptr);
  EXPECT_LT(f_warm, f_cold + 0.1);
  EXPECT_LT(warm.last_fit_evaluations(), cold.last_fit_evaluations() / 3);
  // Restart alone: at most its budget of evaluations.
  options.opt_nstarts = 1;
  GaussianProcess one_start(3);
  one_start.set_data(X, y);
  one_start.fit(rng, options);
  EXPECT_LE(warm.last_fit_evaluations() - one_start.last_fit_evaluations(), 4);
}

TEST(GPPosterior, JointSamplesHaveThePosteriorMoments) {
  Eigen::MatrixXd X(2, 1);
  X << 0.0, 1.0;
  Eigen::MatrixXd Y(2, 1);
  Y << 0.0, 1.0;
  const GPPosterior post(X, Y, hp1d(1.0, 1.0, 1e-3, 0.0));
  Eigen::MatrixXd Xt(1, 1);
  Xt << 0.5;
  Rng rng(5);
  const Eigen::MatrixXd s = post.sample_joint(Xt, 20000, rng);
  Eigen::MatrixXd mu;
  Eigen::VectorXd v;
  post.predict(Xt, mu, v);
  const double m = s.mean();
  const double var = (s.array() - m).square().mean();
  EXPECT_NEAR(m, mu(0, 0), 0.02);
  EXPECT_NEAR(var, v(0) + 1e-3, 0.02 * (v(0) + 1e-3) + 1e-3);
}

TEST(Acquisition, ExpectedImprovementClosedForm) {
  // u = 0: EI = sigma * phi(0).
  EXPECT_NEAR(expected_improvement(1.0, 2.0, 1.0, 0.0).value, 2.0 * 0.3989422804014327, 1e-12);
  // Syne Tune's jitter 0.01, u = (0 - (-1) - 0.01) / 1 = 0.99.
  const double u = 0.99;
  const EIValue ei = expected_improvement(-1.0, 1.0, 0.0);
  EXPECT_NEAR(ei.value, u * normal_cdf(u) + normal_pdf(u), 1e-12);
  EXPECT_NEAR(normal_cdf(u), 0.8389129404891, 1e-10);
  // Derivatives vs finite differences.
  const double h = 1e-6;
  EXPECT_NEAR(ei.d_mean, (expected_improvement(-1 + h, 1, 0).value - expected_improvement(-1 - h, 1, 0).value) / (2 * h), 1e-7);
  EXPECT_NEAR(ei.d_sigma, (expected_improvement(-1, 1 + h, 0).value - expected_improvement(-1, 1 - h, 0).value) / (2 * h), 1e-7);
  // Sigma floor: deterministic improvement.
  EXPECT_NEAR(expected_improvement(-1.0, 0.0, 0.0).value, 0.99, 1e-9);
  const ProbabilityValue p = probability_feasible(0.5, 2.0);
  EXPECT_NEAR(p.value, normal_cdf(-0.25), 1e-12);
  EXPECT_NEAR(p.d_mean, (probability_feasible(0.5 + h, 2).value - probability_feasible(0.5 - h, 2).value) / (2 * h), 1e-7);
  EXPECT_NEAR(p.d_sigma, (probability_feasible(0.5, 2 + h).value - probability_feasible(0.5, 2 - h).value) / (2 * h), 1e-7);
}

}  // namespace
}  // namespace synetune
