#pragma once
/// GP searcher over (config, resource) for asynchronous Hyperband: MOBSTER and Hyper-Tune
/// (Syne Tune 0.13 `GPMultiFidelitySearcher` / `HyperTuneSearcher`, reference section 5.6).
///
/// Data: every result the scheduler passes on (HyperbandScheduler forwards milestone results
/// only, i.e. searcher_data="rungs"), as rows (encoded config, resource) -> sign * metric.
/// The resource is appended as the last input, normalised as log(r) / log(max_t) in [0, 1].
///
/// Model (both variants): one GP with a sigma^2 * Matern-5/2 ARD kernel over the joint
/// (x, r) input (Syne Tune's `gp_resource_kernel="matern52"` option), constant mean,
/// hyperparameters refitted (see opt_skip_*). The GP models the residual after the average
/// learning curve (per-level offsets from paired differences of trials observed at
/// consecutive levels), standardised: without it the Matern kernel fits the curve with a
/// short resource length scale and predicts the global mean at high levels for unseen x.
/// Syne Tune's default for MOBSTER is the exp-decay-sum resource kernel and for Hyper-Tune
/// independent per-rung GPs; the joint Matern kernel is the simpler, robust choice here
/// (Hyper-Tune with a joint GP is Syne Tune's `model="gp_multitask"` variant).
///
/// Acquisition: EI (Syne Tune's jitter; ranked in log space, so that candidates still
/// differ where EI underflows to 0), averaged over fantasy samples of pending trials
/// (trials started without any result yet, fantasized at the lowest rung level).
///  - MOBSTER: EI of f(x, r_acq), r_acq by the "bohb" rule: the largest resource level with
///    >= `resource_acq_bohb_threshold` observations, else the smallest observed level.
///  - Hyper-Tune: EI of the ensemble f_MF(x) with mean sum_r theta_r mu(x, r) and variance
///    sum_r theta_r^2 sigma^2(x, r). theta comes from ranking losses: for the rung levels
///    supported by >= 6 observations, `hypertune_distribution_num_samples` joint posterior
///    samples at the configs of the highest supported level are compared pairwise with the
///    observed values there (highest level by <= 5-fold cross-validation); theta_r = share
///    of samples in which level r has the smallest loss; levels whose median loss exceeds
///    the 90% quantile of the highest level's losses get weight 0 (Hyper-Tune paper). With
///    fewer than two supported levels it falls back to MOBSTER's r_acq.
///    The same theta gives Hyper-Tune's adaptive *bracket* distribution (theta_s / r_s over
///    the supported levels, see bracket_distribution_head()), which the Hyperband scheduler
///    draws brackets from once two levels have enough data.
///
/// Candidates: remaining restricted configs (tabulated benchmarks; up to
/// `max_restricted_candidates`, sampled if more), else `num_init_candidates` random configs
/// refined by a short stochastic local search around the best ones in the encoded box
/// (Syne Tune uses L-BFGS-B there). Duplicates are never suggested.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/searchers/random_searcher.hpp"
#include "synetune/searchers/searcher.hpp"
#include "synetune/space/config_space.hpp"
#include "synetune/surrogate/gaussian_process.hpp"

namespace synetune {

struct MultiFidelityGPOptions {
  /// Tried first (nullopt = the midpoint, as in Syne Tune 0.13; empty list = none).
  std::optional<std::vector<Config>> points_to_evaluate = std::nullopt;
  /// Random configs before the model is used (Syne Tune's Hyperband default: 6).
  int num_init_random = 6;
  int num_init_candidates = 250;
  /// Restricted configs scored per suggestion at most (a random subset beyond).
  int max_restricted_candidates = 2000;
  int opt_nstarts = 2;
  int opt_maxiter = 50;
  /// Compute savers (Syne Tune: opt_skip_init_length=150, opt_skip_period=1,
  /// opt_warmstart=false): with more than `opt_skip_init_length` rows the GP hyperparameters
  /// are refitted only at every `opt_skip_period`-th model-based suggestion (reused in
  /// between), and fits start from the previous hyperparameters if `opt_warmstart`. Our
  /// defaults trade a little model quality for a 3-6x cheaper simulation at 500 rows.
  int opt_skip_init_length = 150;
  int opt_skip_period = 3;
  bool opt_warmstart = true;
  int num_fantasy_samples = 20;
  bool no_fantasizing = false;
  /// Above this many (config, resource) rows, rows at the highest resources are kept.
  int max_size_data_for_model = 500;
  int resource_acq_bohb_threshold = 3;
  /// Hyper-Tune ensemble instead of MOBSTER's r_acq.
  bool hypertune = false;
  int hypertune_distribution_num_samples = 50;
  /// If non-empty, only these configs are suggested (each at most once).
  ConfigList restrict_configurations = {};

  void validate() const;  ///< throws InvalidArgument naming each bad option
  /// Reads the searcher option names above (num_init_random, ...); other keys are ignored
  /// (the registry checks for unknown keys). Throws InvalidArgument on a wrong type.
  static MultiFidelityGPOptions from_json(const Json& j);
  /// Option keys read by from_json.
  static const std::vector<std::string>& json_keys();
};

class MultiFidelityGPSearcher : public Searcher, public RungLevelsListener {
 public:
  /// `problem.max_t` (the largest resource level) is required. The rung levels come from the
  /// scheduler (set_rung_levels); until then pending trials are fantasized at max_t.
  MultiFidelityGPSearcher(ConfigSpace space, ProblemSpec problem, Rng rng, MultiFidelityGPOptions options);

  /// Throws InvalidArgument unless `levels` are increasing, in [1, max_t).
  void set_rung_levels(std::vector<std::int64_t> levels) override;

  std::optional<Config> suggest(TrialId trial_id) override;
  void on_trial_add(TrialId trial_id, const Config& config) override;
  void on_trial_result(TrialId trial_id, const Config& config, const Result& result) override;
  void on_trial_complete(TrialId trial_id, const Config& config, const Result& result) override;
  void on_trial_error(TrialId trial_id) override;
  std::string name() const override { return options_.hypertune ? "hypertune" : "bayesopt_mf"; }
  /// Hyper-Tune (Syne Tune's HyperTuneBracketDistribution): theta_s / r_s over the levels with
  /// enough data, from the latest fit that had two or more such levels.
  std::vector<double> bracket_distribution_head() const override { return bracket_head_; }
  Json save_state() const override;
  void load_state(const Json& state) override;

  const MultiFidelityGPOptions& options() const { return options_; }
  /// Number of (config, resource) observations.
  std::size_t num_observations() const;
  /// How the last suggestion was made: "initial", "random" or "model".
  const std::string& last_suggestion_kind() const { return last_kind_; }
  /// Resource level the acquisition used last (MOBSTER), 0 before the model was used.
  std::int64_t last_acquisition_resource() const { return last_r_acq_; }
  /// Hyper-Tune weights of the last model-based suggestion: (resource level, theta).
  const std::vector<std::pair<std::int64_t, double>>& last_ensemble() const { return last_theta_; }

 private:
  struct Observation {
    std::int64_t resource = 0;
    double y = 0;  ///< sign * metric (smaller is better)
  };
  struct TrialData {
    TrialId trial_id = -1;
    Config config;
    bool failed = false;
    std::vector<Observation> obs;  ///< one per resource level, in report order
  };
  TrialData& find_or_add(TrialId trial_id, const Config& config);
  void record(TrialId trial_id, const Config& config, const Result& result);
  bool is_duplicate(const Config& c) const;
  Config accept(Config c, const char* kind);
  std::optional<Config> suggest_random();
  std::optional<Config> suggest_model_based();
  double normalized_resource(double r) const;

  ConfigSpace space_;
  ConfigEncoder encoder_;
  ProblemSpec problem_;
  std::int64_t max_t_;                     ///< problem_.max_t
  std::vector<std::int64_t> rung_levels_;  ///< the scheduler's, each < max_t_
  Rng rng_;
  MultiFidelityGPOptions options_;
  std::vector<Config> initial_;
  std::vector<TrialData> trials_;
  std::vector<Config> restrict_;        ///< restrict_configurations, postprocessed
  std::vector<std::size_t> remaining_;  ///< restricted configs not yet suggested
  ExclusionList excluded_;
  std::size_t num_suggested_ = 0;
  std::string last_kind_;
  std::int64_t last_r_acq_ = 0;
  std::vector<std::pair<std::int64_t, double>> last_theta_;
  std::vector<double> bracket_head_;
  std::optional<GPHyperparameters> last_hp_;  ///< of the last model-based suggestion
  std::size_t num_model_suggestions_ = 0;
};

}  // namespace synetune
