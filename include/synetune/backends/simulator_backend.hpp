#pragma once
/// SimulatorBackend: replays a Blackbox on a virtual clock with a discrete-event queue ordered
/// by (time, sequence number), as Syne Tune's BlackboxRepositoryBackend with the
/// SimulatorCallback. Results never depend on machine speed (unless add_real_compute_time).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/backend.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/core/rng.hpp"

namespace synetune {

struct SimulatorOptions {
  /// Seconds between a fidelity's elapsed time and the tuner seeing its result.
  double delay_on_trial_result = 0.05;
  /// Seconds between the last result and the trial's completion event.
  double delay_complete_after_final_report = 0.05;
  /// Seconds between start()/resume() and the trial starting to train.
  double delay_start = 0.05;
  /// Seconds a stop()/pause() takes; advances the clock (Syne Tune does it synchronously).
  double delay_stop = 0.05;
  /// Config key limiting how far a trial trains (Syne Tune's max_resource_attr, e.g.
  /// `epochs`); empty = always up to the blackbox's max_resource().
  std::string max_resource_attr;
  /// Fix the table seed of every trial (index into the blackbox's seeds); nullopt = one seed
  /// per trial drawn from the backend's RNG (derived from `seed` and the trial id).
  std::optional<std::size_t> fixed_seed;
  /// Resume continues after the last reported fidelity (as with a checkpoint); false = a
  /// resumed trial starts again at fidelity 1.
  bool support_checkpointing = true;
  /// Charge the real time spent outside the backend to the virtual clock (Syne Tune's
  /// SimulatedTimeKeeper). Off by default: it makes results machine-dependent.
  bool add_real_compute_time = false;
  std::uint64_t seed = 0;
};

class SimulatorBackend final : public Backend {
 public:
  SimulatorBackend(std::shared_ptr<const Blackbox> blackbox, SimulatorOptions options = {});
  ~SimulatorBackend() override;

  void set_tuner_path(const std::filesystem::path& tuner_path) override;
  void start(TrialId trial_id, const Config& config,
             std::optional<TrialId> warm_start_from) override;
  void pause(TrialId trial_id) override;
  void resume(TrialId trial_id, const Config& config) override;
  void stop(TrialId trial_id) override;
  /// Pops the earliest event and every other event at the same time, advancing the clock to
  /// it, if it is <= deadline; else advances the clock to `deadline` (if later than now) and
  /// returns nothing. A deadline of +inf with an empty queue returns nothing without moving.
  std::vector<BackendEvent> wait(double deadline) override;
  double now() const override;
  void stop_all() override;
  BackendCapabilities capabilities() const override;
  std::string name() const override { return "SimulatorBackend"; }
  /// Clock, event queue, per-trial progress and RNG; restores bit for bit.
  Json save_state() const override;
  void load_state(const Json& state) override;
  /// Re-attaches every trial that is running in the restored state (its events are queued).
  std::vector<TrialId> reattach(const std::vector<TrialId>& running) override;

  const Blackbox& blackbox() const { return *blackbox_; }
  const SimulatorOptions& options() const { return options_; }
  /// Number of events waiting (for tests and benchmarks).
  std::size_t num_pending_events() const;
  /// Last fidelity the trial reported (0 if none / unknown trial).
  std::int64_t last_fidelity(TrialId trial_id) const;

 private:
  struct Impl;
  std::shared_ptr<const Blackbox> blackbox_;
  SimulatorOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synetune
