#include "multi_fidelity_gp_searcher_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include "synetune/surrogate/acquisition.hpp"

namespace synetune::detail {
namespace {

constexpr int kMinSupportData = 6;  // Hyper-Tune: a level needs >= 6 labelled points

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

Eigen::MatrixXd with_resource(const Eigen::MatrixXd& Xc, double rnorm) {
  Eigen::MatrixXd X(Xc.rows(), Xc.cols() + 1);
  X.leftCols(Xc.cols()) = Xc;
  X.col(Xc.cols()).setConstant(rnorm);
  return X;
}

}  // namespace

Eigen::VectorXd ranking_losses(const Eigen::MatrixXd& F, const Eigen::VectorXd& t) {
  const Eigen::Index m = F.rows();
  Eigen::VectorXd loss = Eigen::VectorXd::Zero(F.cols());
  if (m < 2) return loss;
  for (Eigen::Index j = 0; j + 1 < m; ++j)
    for (Eigen::Index k = j + 1; k < m; ++k) {
      const bool y_lt = t(j) < t(k);
      for (Eigen::Index s = 0; s < F.cols(); ++s)
        if ((F(j, s) < F(k, s)) != y_lt) loss(s) += 1.0;
    }
  return loss * (2.0 / static_cast<double>(m * (m - 1)));
}

Eigen::VectorXd curve_offsets(const std::vector<std::int64_t>& resource,
                              const std::vector<std::size_t>& trial, const Eigen::VectorXd& y) {
  std::vector<std::int64_t> levels(resource);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  std::map<std::pair<std::size_t, std::int64_t>, double> value;  // (trial, level) -> y
  for (std::size_t i = 0; i < resource.size(); ++i) value[{trial[i], resource[i]}] = y(static_cast<Eigen::Index>(i));
  std::map<std::int64_t, double> offset;
  double acc = 0;
  for (std::size_t k = 0; k < levels.size(); ++k) {
    if (k > 0) {
      double sum = 0;
      int count = 0;
      for (const auto& [key, v] : value) {
        if (key.second != levels[k]) continue;
        const auto prev = value.find({key.first, levels[k - 1]});
        if (prev == value.end()) continue;
        sum += v - prev->second;
        ++count;
      }
      if (count > 0) acc += sum / count;
    }
    offset[levels[k]] = acc;
  }
  Eigen::VectorXd out(static_cast<Eigen::Index>(resource.size()));
  for (std::size_t i = 0; i < resource.size(); ++i) out(static_cast<Eigen::Index>(i)) = offset[resource[i]];
  return out;
}

std::vector<double> ensemble_weights(const Eigen::MatrixXd& losses) {
  const auto L = static_cast<std::size_t>(losses.rows());
  std::vector<double> theta(L, 0.0);
  for (Eigen::Index s = 0; s < losses.cols(); ++s) {
    const double best = losses.col(s).minCoeff();
    std::vector<std::size_t> winners;
    for (std::size_t l = 0; l < L; ++l)
      if (losses(static_cast<Eigen::Index>(l), s) == best) winners.push_back(l);
    for (std::size_t l : winners) theta[l] += 1.0 / static_cast<double>(winners.size());
  }
  // Lower levels much worse than the highest one are dropped (Hyper-Tune paper).
  const Eigen::VectorXd top = losses.row(losses.rows() - 1).transpose();
  const double top_q90 = quantile(std::vector<double>(top.data(), top.data() + top.size()), 0.9);
  for (std::size_t l = 0; l + 1 < L; ++l) {
    const Eigen::VectorXd row = losses.row(static_cast<Eigen::Index>(l)).transpose();
    if (quantile(std::vector<double>(row.data(), row.data() + row.size()), 0.5) > top_q90) theta[l] = 0.0;
  }
  double sum = 0;
  for (double t : theta) sum += t;
  if (!(sum > 0)) {
    std::fill(theta.begin(), theta.end(), 0.0);
    theta.back() = 1.0;
    return theta;
  }
  for (double& t : theta) t /= sum;
  return theta;
}

MFModel::MFModel(const MFData& data, const MFModelOptions& options, Rng& rng) : options_(options) {
  const Eigen::Index n = data.X.rows();
  // The GP models the residual after the average learning curve: the Matern kernel then
  // needs no short resource length scale to fit the curve, and predictions at high levels
  // borrow from the many low-level observations. The offset is the same for all configs at
  // a level, so EI (incumbent and candidates at the same level) is unaffected by it.
  const Eigen::VectorXd resid = data.y - curve_offsets(data.resource, data.trial, data.y);
  const double mu = resid.mean();
  const double var = n > 1 ? (resid.array() - mu).square().sum() / static_cast<double>(n) : 0.0;
  const double sd = var > 1e-18 ? std::sqrt(var) : 1.0;
  const Eigen::VectorXd ystd = (resid.array() - mu) / sd;

  GaussianProcess gp(static_cast<std::size_t>(data.X.cols()));
  gp.set_data(data.X, ystd);
  if (options_.refit || !options_.previous) {
    GPFitOptions fo;
    fo.opt_nstarts = options_.opt_nstarts;
    fo.opt_maxiter = options_.opt_maxiter;
    fo.warm_start = options_.previous;
    gp.fit(rng, fo);
  } else {
    gp.set_hyperparameters(*options_.previous);
  }
  const GPPosterior post = gp.posterior();

  // Acquisition resource: the "bohb" rule (largest level with enough observations).
  std::map<std::int64_t, int> count;
  for (std::int64_t r : data.resource) ++count[r];
  std::int64_t r_acq = count.begin()->first;
  for (const auto& [r, c] : count)
    if (c >= options_.bohb_threshold) r_acq = r;
  theta_ = {{r_acq, 1.0}};
  if (options_.hypertune) fit_hypertune(post, data, ystd, rng);

  // Fantasies for pending evaluations: one target column per joint sample.
  const Eigen::Index p = data.X_pending.rows();
  if (p > 0 && !options_.no_fantasizing) {
    const auto S = static_cast<Eigen::Index>(options_.num_fantasy_samples);
    const Eigen::MatrixXd fant = post.sample_joint(data.X_pending, static_cast<std::size_t>(S), rng);
    Eigen::MatrixXd X(n + p, data.X.cols());
    X << data.X, data.X_pending;
    Eigen::MatrixXd Y(n + p, S);
    Y.topRows(n) = ystd.replicate(1, S);
    Y.bottomRows(p) = fant;
    post_ = GPPosterior(std::move(X), Y, gp.hyperparameters());
  } else {
    post_ = post;
  }
  // Incumbent: smallest predicted mean over the observed and pending configs.
  Eigen::MatrixXd mean;
  Eigen::VectorXd v;
  predict(data.X_configs, mean, v);
  f_best_ = mean.colwise().minCoeff().transpose();
}

void MFModel::fit_hypertune(const GPPosterior& post, const MFData& data, const Eigen::VectorXd& ystd,
                            Rng& rng) {
  // Supported levels: all levels up to the highest one with >= 6 observations.
  const auto& levels = options_.levels;
  std::size_t num_supp = 0;
  for (std::size_t l = levels.size(); l-- > 0;) {
    const auto c = std::count(data.resource.begin(), data.resource.end(), levels[l]);
    if (c >= kMinSupportData) {
      num_supp = l + 1;
      break;
    }
  }
  if (num_supp < 2) return;  // keep the bohb r_acq fallback
  const std::int64_t top = levels[num_supp - 1];
  const Eigen::Index d = data.X.cols() - 1;
  std::vector<Eigen::Index> rows;
  for (std::size_t i = 0; i < data.resource.size(); ++i)
    if (data.resource[i] == top) rows.push_back(static_cast<Eigen::Index>(i));
  const auto m = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd Xtop(m, d + 1);
  Eigen::VectorXd ytop(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    Xtop.row(i) = data.X.row(rows[static_cast<std::size_t>(i)]);
    ytop(i) = ystd(rows[static_cast<std::size_t>(i)]);
  }
  const auto S = static_cast<std::size_t>(options_.hypertune_num_samples);
  Eigen::MatrixXd losses(static_cast<Eigen::Index>(num_supp), static_cast<Eigen::Index>(S));
  for (std::size_t l = 0; l + 1 < num_supp; ++l) {
    const Eigen::MatrixXd Xl = with_resource(Xtop.leftCols(d), options_.normalize(levels[l]));
    losses.row(static_cast<Eigen::Index>(l)) = ranking_losses(post.sample_joint(Xl, S, rng), ytop).transpose();
  }
  // Highest level: K-fold cross-validation (K <= 5, >= 2 points per fold), same kernel.
  const Eigen::Index folds = std::min<Eigen::Index>(m / 2, 5);
  Eigen::VectorXd acc = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(S));
  Eigen::Index start = 0;
  for (Eigen::Index f = 0; f < folds; ++f) {
    const Eigen::Index size = m / folds + (f >= folds - (m % folds) ? 1 : 0);
    const Eigen::Index end = start + size;
    Eigen::MatrixXd Xtr(m - size, d + 1), Xte = Xtop.middleRows(start, size);
    Eigen::VectorXd ytr(m - size), yte = ytop.segment(start, size);
    Xtr << Xtop.topRows(start), Xtop.bottomRows(m - end);
    ytr << ytop.head(start), ytop.tail(m - end);
    const GPPosterior fold(std::move(Xtr), ytr, post.hyperparameters());
    acc += ranking_losses(fold.sample_joint(Xte, S, rng), yte);
    start = end;
  }
  losses.row(static_cast<Eigen::Index>(num_supp) - 1) = (acc / static_cast<double>(folds)).transpose();
  const std::vector<double> w = ensemble_weights(losses);
  level_weights_ = w;
  theta_.clear();
  for (std::size_t l = 0; l < num_supp; ++l)
    if (w[l] > 0) theta_.emplace_back(levels[l], w[l]);
}

void MFModel::predict(const Eigen::MatrixXd& Xc, Eigen::MatrixXd& mean, Eigen::VectorXd& var) const {
  mean = Eigen::MatrixXd::Zero(Xc.rows(), static_cast<Eigen::Index>(post_.num_samples()));
  var = Eigen::VectorXd::Zero(Xc.rows());
  Eigen::MatrixXd m;
  Eigen::VectorXd v;
  for (const auto& [r, theta] : theta_) {
    post_.predict(with_resource(Xc, options_.normalize(r)), m, v);
    mean += theta * m;
    var += (theta * theta) * v;
  }
}

double log_expected_improvement(double mean, double sigma, double f_best) {
  const double s = std::max(sigma, kEIMinSigma);
  const double u = (f_best - mean - kEIJitter) / s;
  // h(u) = u Phi(u) + phi(u) ~ phi(u) / u^2 (1 - 3 / u^2) for u -> -inf: no underflow.
  if (u > -5.0) return std::log(s) + std::log(u * normal_cdf(u) + normal_pdf(u));
  return std::log(s) - 0.5 * u * u - 0.5 * std::log(2.0 * std::numbers::pi) - 2.0 * std::log(-u) +
         std::log1p(-3.0 / (u * u));
}

Eigen::VectorXd MFModel::acquisition(const Eigen::MatrixXd& Xc) const {
  Eigen::MatrixXd mean;
  Eigen::VectorXd var;
  predict(Xc, mean, var);
  Eigen::VectorXd out(Xc.rows());
  const auto S = mean.cols();
  std::vector<double> logs(static_cast<std::size_t>(S));
  for (Eigen::Index i = 0; i < Xc.rows(); ++i) {
    const double sigma = std::sqrt(var(i));
    double mx = -std::numeric_limits<double>::infinity();
    for (Eigen::Index s = 0; s < S; ++s) {
      logs[static_cast<std::size_t>(s)] = log_expected_improvement(mean(i, s), sigma, f_best_(s));
      mx = std::max(mx, logs[static_cast<std::size_t>(s)]);
    }
    double sum = 0;  // log of the average over fantasies (log-sum-exp)
    for (double l : logs) sum += std::exp(l - mx);
    out(i) = mx + std::log(sum / static_cast<double>(S));
  }
  return out;
}

}  // namespace synetune::detail
