#include "synetune/surrogate/gaussian_process.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

constexpr double kSqrt5 = 2.23606797749978969;
constexpr double kMinVariance = 1e-12;
constexpr double kInitialJitter = 1e-9;
constexpr int kMaxJitterTries = 10;

// Bounds of Syne Tune's gpautograd (internal values are logs, except the mean).
constexpr double kIbLow = 1e-4, kIbHigh = 100.0;
constexpr double kScaleLow = 1e-3, kScaleHigh = 1e3;
constexpr double kNoiseLow = 1e-9, kNoiseHigh = 1e6;
constexpr double kMeanBound = 1e3;

// Cholesky of `k` + diag_add I (+ escalating jitter) into the lower triangle of `chol`; only
// the lower triangle of `k` is read. Returns the jitter used, or NaN when even the largest
// jitter failed.
double cholesky_with_jitter(const Eigen::MatrixXd& k, Eigen::MatrixXd& chol, double diag_add = 0.0) {
  const double mean_diag = std::max(k.diagonal().mean() + diag_add, 1e-300);
  chol.resize(k.rows(), k.cols());
  double jitter = 0.0;
  for (int attempt = 0; attempt <= kMaxJitterTries; ++attempt) {
    chol.triangularView<Eigen::Lower>() = k;
    chol.diagonal().array() += diag_add + jitter;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(chol);
    if (llt.info() == Eigen::Success) return jitter;
    jitter = jitter == 0.0 ? kInitialJitter * mean_diag : jitter * 10.0;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// Fills kf = sigma^2 m52(r) and g = -(5/3) sigma^2 (1 + sqrt5 r) e^{-sqrt5 r} from r^2.
// g is dk/d(r^2) * 2, i.e. d k / d log(ib_i) = g * ib_i^2 * (x_i - x'_i)^2.
void matern_from_r2(const Eigen::MatrixXd& r2, double scale, Eigen::MatrixXd& kf,
                    Eigen::MatrixXd* g) {
  const Eigen::ArrayXXd r = r2.array().sqrt();
  const Eigen::ArrayXXd e = (-kSqrt5 * r).exp();
  kf.array() = scale * (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2.array()) * e;
  if (g) g->array() = (-5.0 / 3.0 * scale) * (1.0 + kSqrt5 * r) * e;
}

Eigen::MatrixXd scaled_sqdist(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2,
                              const Eigen::VectorXd& ib) {
  const Eigen::MatrixXd A = X1 * ib.asDiagonal();
  const Eigen::MatrixXd B = X2 * ib.asDiagonal();
  Eigen::MatrixXd d2 = (-2.0 * A * B.transpose()).colwise() + A.rowwise().squaredNorm();
  d2.rowwise() += B.rowwise().squaredNorm().transpose();
  return d2.cwiseMax(0.0);
}

// In-place inverse of a lower-triangular block (recursive, n^3/3 flops instead of the n^3 of
// a triangular solve against the identity).
void invert_lower(Eigen::Ref<Eigen::MatrixXd> m) {
  const Eigen::Index n = m.rows();
  if (n <= 48) {
    Eigen::MatrixXd id = Eigen::MatrixXd::Identity(n, n);
    m.triangularView<Eigen::Lower>().solveInPlace(id);
    m.triangularView<Eigen::Lower>() = id;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  invert_lower(m.topLeftCorner(n1, n1));
  invert_lower(m.bottomRightCorner(n2, n2));
  // inv = [[A^-1, 0], [-C^-1 B A^-1, C^-1]]
  Eigen::MatrixXd b = -(m.bottomRightCorner(n2, n2).triangularView<Eigen::Lower>() *
                        m.bottomLeftCorner(n2, n1));
  m.bottomLeftCorner(n2, n1).noalias() = b * m.topLeftCorner(n1, n1).triangularView<Eigen::Lower>();
}

// Lower triangle of M^T M for lower-triangular M, written into `out` (n^3/3 flops).
void lower_gram(const Eigen::Ref<const Eigen::MatrixXd>& m, Eigen::Ref<Eigen::MatrixXd> out) {
  const Eigen::Index n = m.rows();
  if (n <= 48) {
    const Eigen::MatrixXd t = m.triangularView<Eigen::Lower>();
    out.triangularView<Eigen::Lower>() = t.transpose() * t;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  // M = [[P, 0], [Q, R]]: M^T M = [[P^T P + Q^T Q, .], [R^T Q, R^T R]]
  lower_gram(m.topLeftCorner(n1, n1), out.topLeftCorner(n1, n1));
  out.topLeftCorner(n1, n1).selfadjointView<Eigen::Lower>().rankUpdate(m.bottomLeftCorner(n2, n1).transpose());
  out.bottomLeftCorner(n2, n1).noalias() =
      m.bottomRightCorner(n2, n2).transpose().triangularView<Eigen::Upper>() * m.bottomLeftCorner(n2, n1);
  lower_gram(m.bottomRightCorner(n2, n2), out.bottomRightCorner(n2, n2));
}

}  // namespace

GPHyperparameters GPHyperparameters::initial(std::size_t dim) {
  GPHyperparameters hp;
  hp.inverse_bandwidths = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(dim));
  return hp;
}

Json GPHyperparameters::to_json() const {
  return Json{{"inverse_bandwidths", std::vector<double>(inverse_bandwidths.data(),
                                                         inverse_bandwidths.data() +
                                                             inverse_bandwidths.size())},
              {"covariance_scale", covariance_scale},
              {"noise_variance", noise_variance},
              {"mean", mean}};
}

GPHyperparameters GPHyperparameters::from_json(const Json& j) {
  GPHyperparameters hp;
  const auto ib = j.at("inverse_bandwidths").get<std::vector<double>>();
  hp.inverse_bandwidths = Eigen::Map<const Eigen::VectorXd>(ib.data(), static_cast<Eigen::Index>(ib.size()));
  hp.covariance_scale = j.at("covariance_scale").get<double>();
  hp.noise_variance = j.at("noise_variance").get<double>();
  hp.mean = j.at("mean").get<double>();
  return hp;
}

Eigen::VectorXd GPHyperparameters::to_internal() const {
  const Eigen::Index d = inverse_bandwidths.size();
  Eigen::VectorXd theta(d + 3);
  theta.head(d) = inverse_bandwidths.array().log();
  theta(d) = std::log(covariance_scale);
  theta(d + 1) = std::log(noise_variance);
  theta(d + 2) = mean;
  return theta;
}

GPHyperparameters GPHyperparameters::from_internal(const Eigen::VectorXd& theta) {
  const Eigen::Index d = theta.size() - 3;
  GPHyperparameters hp;
  hp.inverse_bandwidths = theta.head(d).array().exp();
  hp.covariance_scale = std::exp(theta(d));
  hp.noise_variance = std::exp(theta(d + 1));
  hp.mean = theta(d + 2);
  return hp;
}

Eigen::VectorXd GPHyperparameters::lower_bounds(std::size_t dim) {
  const auto d = static_cast<Eigen::Index>(dim);
  Eigen::VectorXd lb(d + 3);
  lb.head(d).setConstant(std::log(kIbLow));
  lb(d) = std::log(kScaleLow);
  lb(d + 1) = std::log(kNoiseLow);
  lb(d + 2) = -kMeanBound;
  return lb;
}

Eigen::VectorXd GPHyperparameters::upper_bounds(std::size_t dim) {
  const auto d = static_cast<Eigen::Index>(dim);
  Eigen::VectorXd ub(d + 3);
  ub.head(d).setConstant(std::log(kIbHigh));
  ub(d) = std::log(kScaleHigh);
  ub(d + 1) = std::log(kNoiseHigh);
  ub(d + 2) = kMeanBound;
  return ub;
}

Eigen::MatrixXd matern52_kernel(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2,
                                const GPHyperparameters& hp) {
  const Eigen::MatrixXd r2 = scaled_sqdist(X1, X2, hp.inverse_bandwidths);
  Eigen::MatrixXd k(r2.rows(), r2.cols());
  matern_from_r2(r2, hp.covariance_scale, k, nullptr);
  return k;
}

// ---------------------------------------------------------------------------------------------
// GPPosterior

GPPosterior::GPPosterior(Eigen::MatrixXd X, const Eigen::MatrixXd& Y, GPHyperparameters hp)
    : X_(std::move(X)), hp_(std::move(hp)) {
  if (X_.rows() == 0) throw InvalidArgument("GPPosterior: no data; add observations first");
  if (Y.rows() != X_.rows())
    throw InvalidArgument("GPPosterior: targets and inputs have different numbers of rows");
  Eigen::MatrixXd k = matern52_kernel(X_, X_, hp_);
  k.diagonal().array() += hp_.noise_variance;
  jitter_ = cholesky_with_jitter(k, L_);
  if (std::isnan(jitter_))
    throw InvalidArgument("GPPosterior: kernel matrix not positive definite even with jitter");
  L_.triangularView<Eigen::StrictlyUpper>().setZero();
  alpha_ = (Y.array() - hp_.mean).matrix();
  L_.triangularView<Eigen::Lower>().solveInPlace(alpha_);
  L_.transpose().triangularView<Eigen::Upper>().solveInPlace(alpha_);
}

void GPPosterior::predict(const Eigen::MatrixXd& Xtest, Eigen::MatrixXd& mean,
                          Eigen::VectorXd& var) const {
  const Eigen::MatrixXd ks = matern52_kernel(X_, Xtest, hp_);  // n x m
  mean = ks.transpose() * alpha_;
  mean.array() += hp_.mean;
  Eigen::MatrixXd v = ks;
  L_.triangularView<Eigen::Lower>().solveInPlace(v);
  var = (hp_.covariance_scale - v.colwise().squaredNorm().transpose().array())
            .cwiseMax(kMinVariance)
            .matrix();
}

Eigen::MatrixXd GPPosterior::predict_mean(const Eigen::MatrixXd& Xtest) const {
  Eigen::MatrixXd mean = matern52_kernel(Xtest, X_, hp_) * alpha_;
  mean.array() += hp_.mean;
  return mean;
}

void GPPosterior::predict_with_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& mean,
                                        double& var, Eigen::MatrixXd* dmean,
                                        Eigen::VectorXd* dvar) const {
  const Eigen::Index n = X_.rows();
  const Eigen::ArrayXd ib2 = hp_.inverse_bandwidths.array().square();
  // diff(j, :) = x - X_j ; r2_j = sum ib^2 diff^2
  const Eigen::MatrixXd diff = (-X_).rowwise() + x.transpose();
  const Eigen::ArrayXd r2 = (diff.array().square().rowwise() * ib2.transpose()).rowwise().sum();
  const Eigen::ArrayXd r = r2.sqrt();
  const Eigen::ArrayXd e = (-kSqrt5 * r).exp();
  const Eigen::VectorXd ks =
      (hp_.covariance_scale * (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2) * e).matrix();
  mean = alpha_.transpose() * ks;
  mean.array() += hp_.mean;
  Eigen::VectorXd v = ks;
  L_.triangularView<Eigen::Lower>().solveInPlace(v);
  const double raw_var = hp_.covariance_scale - v.squaredNorm();
  var = std::max(raw_var, kMinVariance);
  if (!dmean && !dvar) return;
  // dk_j/dx = g_j * ib^2 * (x - X_j)
  const Eigen::ArrayXd g = (-5.0 / 3.0 * hp_.covariance_scale) * (1.0 + kSqrt5 * r) * e;
  Eigen::MatrixXd dk = diff;  // n x d
  dk.array().colwise() *= g;
  dk.array().rowwise() *= ib2.transpose();
  if (dmean) *dmean = dk.transpose() * alpha_;
  if (dvar) {
    if (raw_var <= kMinVariance) {
      dvar->setZero(x.size());
    } else {
      L_.transpose().triangularView<Eigen::Upper>().solveInPlace(v);  // v = K^{-1} ks
      *dvar = -2.0 * dk.transpose() * v;
    }
  }
  (void)n;
}

Eigen::MatrixXd GPPosterior::sample_joint(const Eigen::MatrixXd& Xtest, std::size_t num_samples,
                                          Rng& rng) const {
  const Eigen::MatrixXd ks = matern52_kernel(X_, Xtest, hp_);
  Eigen::MatrixXd v = ks;
  L_.triangularView<Eigen::Lower>().solveInPlace(v);
  Eigen::VectorXd mu = ks.transpose() * alpha_.col(0);
  mu.array() += hp_.mean;
  Eigen::MatrixXd cov = matern52_kernel(Xtest, Xtest, hp_) - v.transpose() * v;
  cov.diagonal().array() += hp_.noise_variance;  // noisy targets, as Syne Tune's fantasies
  cov = 0.5 * (cov + cov.transpose());
  Eigen::MatrixXd lc;
  if (std::isnan(cholesky_with_jitter(cov, lc))) {
    // Fall back to independent marginals (can only happen for a degenerate covariance).
    lc = cov.diagonal().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  }
  lc.triangularView<Eigen::StrictlyUpper>().setZero();
  const Eigen::Index m = Xtest.rows();
  Eigen::MatrixXd z(m, static_cast<Eigen::Index>(num_samples));
  for (Eigen::Index s = 0; s < z.cols(); ++s)
    for (Eigen::Index i = 0; i < m; ++i) z(i, s) = rng.normal();
  Eigen::MatrixXd out = lc * z;
  out.colwise() += mu;
  return out;
}

// ---------------------------------------------------------------------------------------------
// GaussianProcess

std::size_t GaussianProcess::set_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (X.rows() != y.size())
    throw InvalidArgument("GaussianProcess::set_data: X and y have different numbers of rows");
  if (X.cols() != hp_.inverse_bandwidths.size())
    throw InvalidArgument("GaussianProcess::set_data: X has the wrong number of columns");
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (std::isfinite(y(i))) keep.push_back(i);
  const std::size_t dropped = static_cast<std::size_t>(y.size()) - keep.size();
  if (dropped > 0)
    std::cerr << "[synetune] warning: GaussianProcess ignores " << dropped
              << " non-finite target(s)\n";
  const auto n = static_cast<Eigen::Index>(keep.size());
  X_.resize(n, X.cols());
  y_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X_.row(i) = X.row(keep[static_cast<std::size_t>(i)]);
    y_(i) = y(keep[static_cast<std::size_t>(i)]);
  }
  const Eigen::Index d = X.cols();
  pair_sqdist_.resize(static_cast<std::size_t>(n * (n - 1) / 2 * d));
  double* sq = pair_sqdist_.data();
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i)
      for (Eigen::Index k = 0; k < d; ++k) {
        const double diff = X_(i, k) - X_(j, k);
        *sq++ = diff * diff;
      }
  pair_r_.resize(n * (n - 1) / 2);
  pair_e_.resize(n * (n - 1) / 2);
  kf_.resize(n, n);
  g_.resize(n, n);
  chol_.resize(n, n);
  kinv_.resize(n, n);
  return dropped;
}

double GaussianProcess::neg_log_posterior(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) {
  const Eigen::Index n = X_.rows();
  const Eigen::Index d = X_.cols();
  const GPHyperparameters hp = GPHyperparameters::from_internal(theta);
  const double scale = hp.covariance_scale;
  const Eigen::VectorXd b2 = hp.inverse_bandwidths.array().square().matrix();
  // Over the pairs (i > j): noise-free kernel kf and g = 2 dk/d(r^2), so that
  // dk/d log(ib_k) = g * ib_k^2 * (x_ik - x_jk)^2. Only lower triangles are written. The
  // distances are packed first so that sqrt and exp run vectorized over all pairs (scalar
  // exp was ~12% of an evaluation at 400 rows).
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> sq_pairs(pair_sqdist_.data(), pair_r_.size(), d);
  pair_r_.matrix().noalias() = sq_pairs * b2;
  pair_r_ = pair_r_.sqrt();
  pair_e_ = (-kSqrt5 * pair_r_).exp() * scale;
  const double* pr = pair_r_.data();
  const double* pe = pair_e_.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    kf_(j, j) = scale;
    double* kcol = &kf_(0, j);
    double* gcol = &g_(0, j);
    for (Eigen::Index i = j + 1; i < n; ++i, ++pr, ++pe) {
      const double s5r = kSqrt5 * *pr;
      kcol[i] = (1.0 + s5r + s5r * s5r / 3.0) * *pe;
      gcol[i] = (-5.0 / 3.0) * (1.0 + s5r) * *pe;
    }
  }
  const double jitter = cholesky_with_jitter(kf_, chol_, hp.noise_variance);
  if (std::isnan(jitter)) {
    if (grad) grad->setZero(theta.size());
    return std::numeric_limits<double>::infinity();
  }
  const auto L = chol_.triangularView<Eigen::Lower>();
  alpha_ = (y_.array() - hp.mean).matrix();
  L.solveInPlace(alpha_);
  const double quad = alpha_.squaredNorm();
  chol_.transpose().triangularView<Eigen::Upper>().solveInPlace(alpha_);
  const double logdet = 2.0 * chol_.diagonal().array().log().sum();
  const double log_scale = theta(d), log_noise = theta(d + 1);
  double f = 0.5 * quad + 0.5 * logdet + 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  // Priors: LogNormal(0,1) on sigma^2, Gamma(shape 0.1, scale 1) on noise, N(0,1) on mean
  // (densities of the natural values, constants dropped).
  f += log_scale + 0.5 * log_scale * log_scale;
  f += 0.9 * log_noise + hp.noise_variance;
  f += 0.5 * hp.mean * hp.mean;
  if (!grad) return f;

  // W = K^{-1} - alpha alpha^T; dNLL/dtheta = 0.5 sum(W .* dK/dtheta). K^{-1} = L^{-T} L^{-1}
  // costs 2 n^3/3 flops (lower triangles only); then one pass over the pairs gives all
  // gradients together (W and dK/dtheta are symmetric: off-diagonal pairs count twice).
  invert_lower(chol_);       // L^{-1} (lower triangle)
  lower_gram(chol_, kinv_);  // K^{-1} (lower triangle)
  // Per pair: w = W_ij and w g_ij (into pair_r_, no longer needed); the inverse-bandwidth
  // gradients are then one matrix-vector product with the packed squared distances.
  double g_scale = 0, trace_w = 0;
  const double* a = alpha_.data();
  double* wg = pair_r_.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    const double wjj = kinv_(j, j) - a[j] * a[j];
    trace_w += wjj;
    g_scale += 0.5 * wjj * scale;
    const double* wcol = &kinv_(0, j);
    const double* kcol = &kf_(0, j);
    const double* gcol = &g_(0, j);
    const double aj = a[j];
    for (Eigen::Index i = j + 1; i < n; ++i, ++wg) {
      const double w = wcol[i] - a[i] * aj;
      g_scale += w * kcol[i];
      *wg = w * gcol[i];
    }
  }
  const Eigen::VectorXd gk = sq_pairs.transpose() * pair_r_.matrix();
  grad->resize(theta.size());
  // 0.5 * 2 (symmetry) = 1 for the off-diagonal sums.
  for (Eigen::Index k = 0; k < d; ++k) (*grad)(k) = b2(k) * gk(k);
  (*grad)(d) = g_scale + 1.0 + log_scale;
  (*grad)(d + 1) = 0.5 * hp.noise_variance * trace_w + 0.9 + hp.noise_variance;
  (*grad)(d + 2) = -alpha_.sum() + hp.mean;
  return f;
}

void GaussianProcess::fit(Rng& rng, const GPFitOptions& options) {
  if (X_.rows() == 0) throw InvalidArgument("GaussianProcess::fit: no data with finite targets");
  const std::size_t dim = static_cast<std::size_t>(X_.cols());
  const Eigen::VectorXd lb = GPHyperparameters::lower_bounds(dim);
  const Eigen::VectorXd ub = GPHyperparameters::upper_bounds(dim);
  const bool warm = options.warm_start &&
                    options.warm_start->inverse_bandwidths.size() == static_cast<Eigen::Index>(dim);
  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = options.opt_maxiter;
  param.epsilon = 1e-5;      // SciPy's pgtol
  param.epsilon_rel = 0.0;
  param.past = 1;            // SciPy's factr test on successive values
  param.delta = 1e-9;
  param.max_linesearch = 30;
  if (warm) {
    // Near the optimum already: stopping at a relative change of 1e-5 in -log posterior
    // (order n) costs < 1e-3 nats against a cold fit to full tolerance, in ~1/6 of the
    // likelihood evaluations (n = 100 and 400, 6 dims).
    param.epsilon = 1e-2;
    param.delta = 1e-5;
  }
  LBFGSpp::LBFGSBSolver<double> solver(param);
  LBFGSpp::LBFGSBParam<double> restart_param = param;
  if (warm) restart_param.max_iterations = std::min(options.opt_maxiter, std::max(1, options.warm_restart_maxiter));
  LBFGSpp::LBFGSBSolver<double> restart_solver(restart_param);

  Eigen::VectorXd init = GPHyperparameters::initial(dim).to_internal();
  if (warm) {
    // Start strictly inside the region where the likelihood is not flat: an inverse bandwidth
    // near its bounds (a dim switched off, or a spike kernel) has a vanishing gradient, so a
    // warm start there never leaves it as data come in (measured: -log posterior 40+ nats
    // above a cold fit on Hartmann6 BO data). Clip them to [e^-2.5, e^2.5] around the initial 1.
    constexpr double c = 2.5;
    init = options.warm_start->to_internal().cwiseMax(lb).cwiseMin(ub);
    init.head(static_cast<Eigen::Index>(dim)) = init.head(static_cast<Eigen::Index>(dim)).cwiseMax(-c).cwiseMin(c);
  }
  Eigen::VectorXd best_theta = init;
  double best_f = std::numeric_limits<double>::infinity();
  // Track the best point evaluated, so that an optimiser exception loses nothing.
  Eigen::VectorXd seen_theta = init;
  double seen_f = std::numeric_limits<double>::infinity();
  last_fit_evaluations_ = 0;
  // A warm-started fit's perturbed restarts have a budget of evaluations. LBFGSpp has no such
  // limit, nor a way for the objective to end a run; so once the budget is spent the objective
  // evaluates nothing and answers -inf with a zero gradient: the line search accepts that point
  // at once (both Wolfe conditions hold) and the zero projected gradient ends minimize() at its
  // next convergence test. Such points are not "seen", so the fit is exactly as if the run had
  // stopped at the budget (no exception used as control flow).
  int start_evaluations = 0, start_budget = std::numeric_limits<int>::max();
  auto objective = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
    if (start_evaluations >= start_budget) {
      grad.setZero(theta.size());
      return -std::numeric_limits<double>::infinity();
    }
    ++start_evaluations;
    ++last_fit_evaluations_;
    const double f = neg_log_posterior(theta, &grad);
    if (f < seen_f) {
      seen_f = f;
      seen_theta = theta;
    }
    return f;
  };
  for (int start = 0; start < std::max(1, options.opt_nstarts); ++start) {
    Eigen::VectorXd theta = init;
    if (start > 0)
      for (Eigen::Index i = 0; i < theta.size(); ++i)
        theta(i) = std::clamp(init(i) + rng.normal(), lb(i), ub(i));
    seen_f = std::numeric_limits<double>::infinity();
    start_evaluations = 0;
    if (warm && start > 0) start_budget = std::max(1, options.warm_restart_maxevals);
    double fx = 0;
    try {
      (start == 0 ? solver : restart_solver).minimize(objective, theta, fx, lb, ub);
    } catch (const std::exception&) {
      // LBFGSpp throws on line search trouble near the optimum: keep the best point seen.
    }
    if (seen_f < best_f) {
      best_f = seen_f;
      best_theta = seen_theta;
    }
  }
  hp_ = GPHyperparameters::from_internal(best_theta);
}

GPPosterior GaussianProcess::posterior() const {
  return GPPosterior(X_, Eigen::MatrixXd(y_), hp_);
}

}  // namespace synetune
