#pragma once
/// FIFO scheduler (Syne Tune 0.13 `FIFOScheduler`): every trial runs to the end; the searcher
/// alone decides which configs to try (RandomSearch, GridSearch, BO, ...).
#include <memory>
#include <optional>

#include "synetune/schedulers/scheduler.hpp"
#include "synetune/searchers/searcher.hpp"

namespace synetune {

class FifoScheduler : public Scheduler {
 public:
  /// Throws InvalidArgument if `searcher` is null.
  FifoScheduler(ProblemSpec problem, std::unique_ptr<Searcher> searcher);

  /// A new trial with the searcher's next config; nullopt once the searcher is exhausted.
  std::optional<TrialSuggestion> suggest(TrialId next_trial_id) override;
  void on_trial_add(const Trial& trial) override;
  /// CONTINUE, except STOP once the result's `resource_attr` reaches `max_t` (if set), as
  /// Syne Tune's FIFOScheduler does with max_t.
  Decision on_trial_result(const Trial& trial, const Result& result) override;
  void on_trial_complete(const Trial& trial, const Result& last_result) override;
  void on_trial_error(const Trial& trial) override;

  const ProblemSpec& problem() const override { return problem_; }
  /// {"scheduler_name": "FIFOScheduler", "searcher": <searcher name>, "metric", "mode"}.
  Json metadata() const override;
  Json save_state() const override;
  void load_state(const Json& state) override;

  const Searcher& searcher() const { return *searcher_; }

 private:
  ProblemSpec problem_;
  std::unique_ptr<Searcher> searcher_;
};

}  // namespace synetune
