#pragma once
// The fitted joint GP over (x, r) of one model-based MOBSTER / Hyper-Tune suggestion and the
// EI acquisition built on it (see include/synetune/searchers/multi_fidelity_gp_searcher.hpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "synetune/core/rng.hpp"
#include "synetune/surrogate/gaussian_process.hpp"

namespace synetune::detail {

struct MFData {
  Eigen::MatrixXd X;                   ///< n x (d+1): encoded config, normalised resource
  Eigen::VectorXd y;                   ///< n targets, smaller is better
  std::vector<std::int64_t> resource;  ///< n resource levels
  std::vector<std::size_t> trial;      ///< n trial indices (rows of one trial share it)
  Eigen::MatrixXd X_configs;           ///< distinct observed + pending configs (d cols)
  Eigen::MatrixXd X_pending;           ///< pending rows, (d+1) cols (resource set)
};

struct MFModelOptions {
  int opt_nstarts = 2;
  int opt_maxiter = 50;
  int num_fantasy_samples = 20;
  bool no_fantasizing = false;
  /// Previous hyperparameters: the fit starts from them, or, if !refit, they are reused.
  std::optional<GPHyperparameters> previous;
  bool refit = true;
  int bohb_threshold = 3;
  bool hypertune = false;
  int hypertune_num_samples = 50;
  std::vector<std::int64_t> levels;  ///< rung levels and max_t, increasing
  std::function<double(std::int64_t)> normalize;  ///< resource -> last input column
};

/// Pairwise ranking loss of each sample column of F against the targets t (fraction of
/// discordant pairs), as in the Hyper-Tune paper.
Eigen::VectorXd ranking_losses(const Eigen::MatrixXd& F, const Eigen::VectorXd& t);
/// Learning-curve offset per row: o(r_0) = 0 and o(r_{k+1}) = o(r_k) + mean over trials
/// observed at both levels of (y(r_{k+1}) - y(r_k)). Paired differences, so that the
/// survivors' selection bias at high levels does not enter.
Eigen::VectorXd curve_offsets(const std::vector<std::int64_t>& resource,
                              const std::vector<std::size_t>& trial, const Eigen::VectorXd& y);
/// log of Syne Tune's EI (jitter 0.01), accurate also where EI underflows to 0.
double log_expected_improvement(double mean, double sigma, double f_best);
/// Hyper-Tune weights from loss samples (rows: levels, last row = highest level).
std::vector<double> ensemble_weights(const Eigen::MatrixXd& losses);

class MFModel {
 public:
  MFModel(const MFData& data, const MFModelOptions& options, Rng& rng);
  /// log EI (larger is better; computed without underflow far from the incumbent) at the
  /// rows of Xc (d cols), EI averaged over fantasy samples.
  Eigen::VectorXd acquisition(const Eigen::MatrixXd& Xc) const;
  /// (resource level, weight) pairs the acquisition averages the GP over.
  const std::vector<std::pair<std::int64_t, double>>& ensemble() const { return theta_; }
  /// Hyper-Tune: theta over all supported levels (zeros kept); empty if fewer than 2 levels
  /// have enough data.
  const std::vector<double>& supported_level_weights() const { return level_weights_; }
  const GPHyperparameters& hyperparameters() const { return post_.hyperparameters(); }

 private:
  void predict(const Eigen::MatrixXd& Xc, Eigen::MatrixXd& mean, Eigen::VectorXd& var) const;
  void fit_hypertune(const GPPosterior& post, const MFData& data, const Eigen::VectorXd& ystd,
                     Rng& rng);

  MFModelOptions options_;
  GPPosterior post_;  ///< one target column per fantasy sample
  std::vector<std::pair<std::int64_t, double>> theta_;
  std::vector<double> level_weights_;
  Eigen::VectorXd f_best_;
};

}  // namespace synetune::detail
