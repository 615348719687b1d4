#include "bayesopt_model.hpp"

#include <LBFGSB.h>

#include <cmath>
#include <limits>
#include <vector>

#include "synetune/surrogate/acquisition.hpp"
#include "synetune/surrogate/target_transform.hpp"

namespace synetune::detail {
namespace {

struct Fitted {
  GaussianProcess gp;
  double mean = 0, std = 1;
};

// Rows of (X, t) with finite t, standardized (if asked) and fitted.
Fitted fit_gp(const Eigen::MatrixXd& X, const Eigen::VectorXd& t, const BayesOptOptions& options,
              Rng& rng, bool objective = false,
              const std::optional<GPHyperparameters>& warm_start = std::nullopt) {
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < t.size(); ++i)
    if (std::isfinite(t(i))) rows.push_back(i);
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd Xf(n, X.cols());
  Eigen::VectorXd tf(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    Xf.row(i) = X.row(rows[static_cast<std::size_t>(i)]);
    tf(i) = t(rows[static_cast<std::size_t>(i)]);
  }
  Fitted f{GaussianProcess(static_cast<std::size_t>(X.cols()))};
  if (objective && options.target_transform == TargetTransform::kRankGaussian && n > 0) {
    tf = rank_gaussian_transform(tf);  // see target_transform.hpp; f.mean/std are not used
  } else if (options.normalize_targets && n > 0) {
    f.mean = tf.mean();
    const double sd = std::sqrt((tf.array() - f.mean).square().mean());
    f.std = sd > 1e-9 ? sd : 1.0;  // constant targets: only shift
    tf = ((tf.array() - f.mean) / f.std).matrix();
  }
  f.gp.set_data(Xf, tf);
  f.gp.fit(rng, GPFitOptions{.opt_nstarts = options.opt_nstarts,
                             .opt_maxiter = options.opt_maxiter,
                             .warm_start = options.opt_warmstart ? warm_start : std::nullopt});
  return f;
}

}  // namespace

BOModel::BOModel(const BOData& data, const BayesOptOptions& options, Rng& rng)
    : exponent_cost_(options.exponent_cost), ei_jitter_(options.ei_jitter) {
  Fitted obj = fit_gp(data.X, data.y, options, rng, true, data.warm_start);
  GPPosterior base = obj.gp.posterior();
  const Eigen::Index n = obj.gp.num_data();
  const bool fantasize = data.X_pending.rows() > 0 && !options.no_fantasizing;
  if (fantasize) {
    const auto s = static_cast<std::size_t>(std::max(1, options.num_fantasy_samples));
    const Eigen::MatrixXd ys = base.sample_joint(data.X_pending, s, rng);
    Eigen::MatrixXd X_ext(n + data.X_pending.rows(), data.X.cols());
    X_ext << obj.gp.inputs(), data.X_pending;
    Eigen::MatrixXd Y_ext(X_ext.rows(), ys.cols());
    Y_ext << obj.gp.targets().replicate(1, ys.cols()), ys;
    objective_ = GPPosterior(std::move(X_ext), Y_ext, obj.gp.hyperparameters());
  } else {
    objective_ = std::move(base);
  }

  // f*: smallest posterior mean over observed (+ pending) inputs; constrained: feasible ones.
  std::vector<bool> allowed(static_cast<std::size_t>(objective_.num_data()), true);
  if (!options.constraint_attr.empty()) {
    // Inputs of the objective GP are the observed rows in order (data.y is all finite).
    any_feasible_ = false;
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(allowed.size()); ++i) {
      const bool feasible = i < n && data.constraint(i) <= 0.0;  // NaN -> infeasible
      allowed[static_cast<std::size_t>(i)] = feasible;
      any_feasible_ = any_feasible_ || feasible;
    }
    Fitted con = fit_gp(data.X, data.constraint, options, rng);
    constraint_threshold_ = (0.0 - con.mean) / con.std;
    constraint_ = con.gp.num_data() > 0 ? std::optional<GPPosterior>(con.gp.posterior()) : std::nullopt;
  }
  const Eigen::MatrixXd m = objective_.predict_mean(objective_.inputs());
  f_best_ = Eigen::VectorXd::Constant(m.cols(), std::numeric_limits<double>::infinity());
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    if (allowed[static_cast<std::size_t>(i)]) f_best_ = f_best_.cwiseMin(m.row(i).transpose());
  if (!options.cost_attr.empty()) {
    Eigen::VectorXd log_cost = data.cost;
    for (Eigen::Index i = 0; i < log_cost.size(); ++i)
      log_cost(i) = log_cost(i) > 0 ? std::log(log_cost(i)) : std::numeric_limits<double>::quiet_NaN();
    Fitted c = fit_gp(data.X, log_cost, options, rng);
    if (c.gp.num_data() > 0) {
      cost_ = c.gp.posterior();
      cost_scale_ = {c.mean, c.std};
    }
  }
}

Eigen::VectorXd BOModel::acquisition(const Eigen::MatrixXd& Xc) const {
  // Batched: one triangular solve with all candidates as right-hand sides per GP (same values
  // as the pointwise version below, which is used with gradients).
  Eigen::MatrixXd m;
  Eigen::VectorXd v;
  objective_.predict(Xc, m, v);
  const Eigen::Index s = m.cols();
  Eigen::VectorXd out(Xc.rows());
  for (Eigen::Index i = 0; i < Xc.rows(); ++i) {
    const double sigma = std::sqrt(v(i));
    double a = 0;
    for (Eigen::Index k = 0; k < s; ++k) a += expected_improvement(m(i, k), sigma, f_best_(k), ei_jitter_).value;
    out(i) = a / static_cast<double>(s);
  }
  if (constraint_) {
    constraint_->predict(Xc, m, v);
    for (Eigen::Index i = 0; i < Xc.rows(); ++i) {
      const double p = probability_feasible(m(i, 0) - constraint_threshold_, std::sqrt(v(i))).value;
      out(i) = any_feasible_ ? out(i) * p : p;
    }
  }
  if (cost_) {
    const Eigen::MatrixXd cm = cost_->predict_mean(Xc);
    for (Eigen::Index i = 0; i < Xc.rows(); ++i)
      out(i) *= std::exp(-exponent_cost_ * (cm(i, 0) * cost_scale_.std + cost_scale_.mean));
  }
  return out;
}

double BOModel::acquisition(const Eigen::VectorXd& x, Eigen::VectorXd* grad) const {
  const bool g = grad != nullptr;
  Eigen::VectorXd mean, dvar;
  Eigen::MatrixXd dmean;
  double var = 0;
  objective_.predict_with_gradient(x, mean, var, g ? &dmean : nullptr, g ? &dvar : nullptr);
  const double sigma = std::sqrt(var);
  const auto s = mean.size();
  double a = 0;
  if (g) grad->setZero(x.size());
  for (Eigen::Index k = 0; k < s; ++k) {
    const EIValue ei = expected_improvement(mean(k), sigma, f_best_(k), ei_jitter_);
    a += ei.value / static_cast<double>(s);
    if (g) *grad += (ei.d_mean * dmean.col(k) + ei.d_sigma * dvar / (2 * sigma)) / static_cast<double>(s);
  }
  if (constraint_) {
    Eigen::VectorXd cm, cdv;
    Eigen::MatrixXd cdm;
    double cv = 0;
    constraint_->predict_with_gradient(x, cm, cv, g ? &cdm : nullptr, g ? &cdv : nullptr);
    const double cs = std::sqrt(cv);
    const ProbabilityValue p = probability_feasible(cm(0) - constraint_threshold_, cs);
    Eigen::VectorXd dp;
    if (g) dp = p.d_mean * cdm.col(0) + p.d_sigma * cdv / (2 * cs);
    if (!any_feasible_) {
      a = p.value;  // no feasible point yet: look for feasibility only
      if (g) *grad = dp;
    } else {
      if (g) *grad = *grad * p.value + a * dp;
      a *= p.value;
    }
  }
  if (cost_) {
    Eigen::VectorXd cm;
    Eigen::MatrixXd cdm;
    double cv = 0;
    cost_->predict_with_gradient(x, cm, cv, g ? &cdm : nullptr, nullptr);
    const double log_cost = cm(0) * cost_scale_.std + cost_scale_.mean;
    const double factor = std::exp(-exponent_cost_ * log_cost);  // 1 / cost^e
    if (g) *grad = *grad * factor - (a * factor * exponent_cost_ * cost_scale_.std) * cdm.col(0);
    a *= factor;
  }
  return a;
}

Eigen::VectorXd BOModel::thompson(const Eigen::MatrixXd& Xc, Rng& rng) const {
  Eigen::MatrixXd m;
  Eigen::VectorXd v;
  objective_.predict(Xc, m, v);
  Eigen::VectorXd out(Xc.rows());
  for (Eigen::Index i = 0; i < Xc.rows(); ++i) out(i) = m.row(i).mean() + std::sqrt(v(i)) * rng.normal();
  return out;
}

Eigen::VectorXd BOModel::optimize(const Eigen::VectorXd& x0, int maxiter) const {
  const Eigen::Index d = x0.size();
  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = maxiter;
  param.epsilon = 1e-10;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = 1e-10;
  param.max_linesearch = 30;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  Eigen::VectorXd best = x0;
  double best_f = -acquisition(x0, nullptr);
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    const double f = -acquisition(x, &grad);
    grad = -grad;
    if (f < best_f) {
      best_f = f;
      best = x;
    }
    return f;
  };
  Eigen::VectorXd x = x0;
  double fx = 0;
  try {
    solver.minimize(objective, x, fx, Eigen::VectorXd::Zero(d), Eigen::VectorXd::Ones(d));
  } catch (const std::exception&) {
    // Line search failure on a flat acquisition: keep the best point seen.
  }
  return best;
}

}  // namespace synetune::detail
