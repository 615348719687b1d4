#pragma once
// The fitted models of one model-based BO suggestion and the acquisition built on them
// (EI, optionally x P(feasible) or / cost^e), shared by the plain, constrained and cost-aware
// searchers.
#include <optional>

#include <Eigen/Dense>

#include "synetune/core/rng.hpp"
#include "synetune/searchers/bayesopt_searcher.hpp"
#include "synetune/surrogate/gaussian_process.hpp"

namespace synetune::detail {

/// Observed rows share inputs; constraint / cost entries may be NaN where not reported.
struct BOData {
  Eigen::MatrixXd X;        ///< observed inputs (encoded)
  Eigen::VectorXd y;        ///< targets, smaller is better
  Eigen::VectorXd constraint;  ///< empty unless constrained
  Eigen::VectorXd cost;        ///< empty unless cost-aware (raw cost, > 0)
  Eigen::MatrixXd X_pending;   ///< inputs of pending evaluations (rows may be 0)
  std::optional<GPHyperparameters> warm_start;  ///< previous objective fit (opt_warmstart)
};

class BOModel {
 public:
  BOModel(const BOData& data, const BayesOptOptions& options, Rng& rng);

  /// Acquisition (larger is better) at each row of Xc, no gradients.
  Eigen::VectorXd acquisition(const Eigen::MatrixXd& Xc) const;
  /// Acquisition at x with its gradient.
  double acquisition(const Eigen::VectorXd& x, Eigen::VectorXd* grad) const;
  /// Independent Thompson draws of the objective (smaller is better), averaged over fantasies.
  Eigen::VectorXd thompson(const Eigen::MatrixXd& Xc, Rng& rng) const;
  /// Locally maximises the acquisition from x0 in [0,1]^d (L-BFGS-B); returns the best point.
  Eigen::VectorXd optimize(const Eigen::VectorXd& x0, int maxiter) const;

  const GPHyperparameters& objective_hyperparameters() const { return objective_.hyperparameters(); }

 private:
  struct Standardizer {
    double mean = 0, std = 1;
  };
  GPPosterior objective_;  ///< with one target column per fantasy sample
  Eigen::VectorXd f_best_;  ///< per fantasy sample (normalized units)
  bool any_feasible_ = true;
  std::optional<GPPosterior> constraint_;
  double constraint_threshold_ = 0;  ///< 0 in normalized units
  std::optional<GPPosterior> cost_;
  Standardizer cost_scale_;
  double exponent_cost_ = 1.0;
  double ei_jitter_ = 0.0;
};

}  // namespace synetune::detail
