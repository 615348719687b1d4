#pragma once
/// Gaussian process regression as in Syne Tune's `gpautograd` (reference section 5.6):
/// constant mean, sigma^2 * Matern-5/2 ARD kernel, Gaussian noise. Hyperparameters are fitted
/// by L-BFGS-B on -log marginal likelihood - log priors, in log space with Syne Tune's bounds.
///
/// Inputs are rows of a matrix in any box (the searchers use [0,1]^d; multi-fidelity
/// searchers may append a resource column). Targets may come in several columns sharing the
/// same inputs: this is how fantasy samples for pending evaluations are handled (one column
/// per fantasy sample, one Cholesky factor for all).
#include <cstddef>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "synetune/core/json.hpp"
#include "synetune/core/rng.hpp"

namespace synetune {

/// GP hyperparameters in natural (not log) units.
struct GPHyperparameters {
  Eigen::VectorXd inverse_bandwidths;  ///< one per input dim, in [1e-4, 100], init 1
  double covariance_scale = 1.0;       ///< sigma^2 in [1e-3, 1e3], prior LogNormal(0, 1)
  double noise_variance = 1e-3;        ///< in [1e-9, 1e6], prior Gamma(mean 0.1, shape 0.1)
  double mean = 0.0;                   ///< constant mean, prior N(0, 1)

  /// Syne Tune's initial values for `dim` inputs.
  static GPHyperparameters initial(std::size_t dim);
  Json to_json() const;
  static GPHyperparameters from_json(const Json& j);

  // Internal (optimised) representation: [log ib_1..log ib_d, log sigma^2, log noise, mean].
  Eigen::VectorXd to_internal() const;
  static GPHyperparameters from_internal(const Eigen::VectorXd& theta);
  static Eigen::VectorXd lower_bounds(std::size_t dim);
  static Eigen::VectorXd upper_bounds(std::size_t dim);
};

/// sigma^2 * Matern-5/2 between the rows of X1 and X2 (ARD).
Eigen::MatrixXd matern52_kernel(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2,
                                const GPHyperparameters& hp);

/// Posterior of the latent function given data and fixed hyperparameters.
class GPPosterior {
 public:
  GPPosterior() = default;
  /// `Y` has one column per target sample (1 without fantasies). Adds jitter (1e-9 times the
  /// mean diagonal, x10 per retry) when the Cholesky factorisation fails.
  GPPosterior(Eigen::MatrixXd X, const Eigen::MatrixXd& Y, GPHyperparameters hp);

  std::size_t num_data() const { return static_cast<std::size_t>(X_.rows()); }
  std::size_t num_samples() const { return static_cast<std::size_t>(alpha_.cols()); }
  std::size_t dim() const { return static_cast<std::size_t>(X_.cols()); }
  const Eigen::MatrixXd& inputs() const { return X_; }
  const GPHyperparameters& hyperparameters() const { return hp_; }
  /// Jitter that had to be added to the diagonal (0 when none was needed).
  double jitter() const { return jitter_; }

  /// Posterior means (rows: test points, cols: samples) and variances (floored at 1e-12) of
  /// the latent function at the rows of `Xtest`.
  void predict(const Eigen::MatrixXd& Xtest, Eigen::MatrixXd& mean, Eigen::VectorXd& var) const;
  /// Posterior means only (rows: test points, cols: samples): O(n) per point, no solve.
  Eigen::MatrixXd predict_mean(const Eigen::MatrixXd& Xtest) const;
  /// Mean (one per sample) and variance at one point, with gradients w.r.t. x:
  /// dmean is dim x samples, dvar has dim entries. Gradients are skipped when null.
  void predict_with_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& mean, double& var,
                             Eigen::MatrixXd* dmean, Eigen::VectorXd* dvar) const;
  /// `num_samples` joint draws of the noisy targets at the rows of `Xtest`, using only the
  /// first target column (rows: points, cols: samples). Used for fantasizing.
  Eigen::MatrixXd sample_joint(const Eigen::MatrixXd& Xtest, std::size_t num_samples,
                               Rng& rng) const;

 private:
  Eigen::MatrixXd X_;
  GPHyperparameters hp_;
  Eigen::MatrixXd L_;      ///< lower Cholesky factor of K + noise I (+ jitter)
  Eigen::MatrixXd alpha_;  ///< (K + noise I)^{-1} (Y - mean)
  double jitter_ = 0.0;
};

struct GPFitOptions {
  int opt_nstarts = 2;   ///< L-BFGS-B restarts: initial values, then N(0,1)-perturbed (internal)
  int opt_maxiter = 50;  ///< iterations per restart
  /// Syne Tune's `opt_warmstart`: the first restart starts from these hyperparameters (e.g.
  /// the previous fit, clipped to the bounds) instead of the initial values; the others are
  /// N(0,1) perturbations of them. A warm start is usually close to the new optimum, so the
  /// restarts stop at a looser tolerance and the perturbed ones after `warm_restart_maxiter`
  /// iterations or `warm_restart_maxevals` likelihood evaluations, whichever comes first (line
  /// searches from a perturbed start often take 5+ evaluations per iteration; measured at 400
  /// rows: 6-28 evaluations for 5 iterations, against 1-5 for the warm start itself). Ignored
  /// when its dimension does not match the data.
  std::optional<GPHyperparameters> warm_start = std::nullopt;
  int warm_restart_maxiter = 5;
  int warm_restart_maxevals = 8;
};

/// Holds training data and fits the hyperparameters. Precomputes per-dimension squared
/// distances once per data set (packed, lower triangle, dims contiguous per pair) and reuses
/// its work matrices across likelihood evaluations.
class GaussianProcess {
 public:
  explicit GaussianProcess(std::size_t dim) : hp_(GPHyperparameters::initial(dim)) {}

  /// Sets the training data. Rows with non-finite targets are dropped with a warning on
  /// stderr; returns the number dropped.
  std::size_t set_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);
  std::size_t num_data() const { return static_cast<std::size_t>(X_.rows()); }
  const Eigen::MatrixXd& inputs() const { return X_; }
  const Eigen::VectorXd& targets() const { return y_; }

  /// Fits the hyperparameters (restarts draw from `rng`). Keeps the best restart; a restart
  /// whose optimiser fails keeps its best point so far. Needs at least one data point.
  void fit(Rng& rng, const GPFitOptions& options = {});
  const GPHyperparameters& hyperparameters() const { return hp_; }
  void set_hyperparameters(const GPHyperparameters& hp) { hp_ = hp; }

  /// -log marginal likelihood - log priors at internal parameters `theta`, and its gradient
  /// (if `grad` is non-null).
  double neg_log_posterior(const Eigen::VectorXd& theta, Eigen::VectorXd* grad);

  /// Posterior for the current data and hyperparameters.
  GPPosterior posterior() const;

 private:
  Eigen::MatrixXd X_;
  Eigen::VectorXd y_;
  GPHyperparameters hp_;
  /// (x_ik - x_jk)^2 for i > j (column-major lower triangle), the d dims of a pair adjacent.
  std::vector<double> pair_sqdist_;
  // Work matrices reused across evaluations (avoid allocations in the optimiser loop); only
  // their lower triangles are used.
  Eigen::MatrixXd kf_, g_, chol_, kinv_;
  Eigen::VectorXd alpha_;
  Eigen::ArrayXd pair_r_, pair_e_;  ///< per pair: scaled distance r, then exp(-sqrt5 r)
  int last_fit_evaluations_ = 0;

 public:
  /// Likelihood evaluations of the last fit() (all restarts), for benchmarks and tests.
  int last_fit_evaluations() const { return last_fit_evaluations_; }
};

}  // namespace synetune
