#include "synetune/schedulers/fifo_scheduler.hpp"

#include <cmath>

#include "synetune/core/error.hpp"

namespace synetune {

FifoScheduler::FifoScheduler(ProblemSpec problem, std::unique_ptr<Searcher> searcher)
    : problem_(std::move(problem)), searcher_(std::move(searcher)) {
  if (!searcher_) throw InvalidArgument("FifoScheduler needs a searcher, got none");
}

std::optional<TrialSuggestion> FifoScheduler::suggest(TrialId next_trial_id) {
  auto config = searcher_->suggest(next_trial_id);
  if (!config) return std::nullopt;
  return TrialSuggestion{StartTrial{std::move(*config), std::nullopt}};
}

void FifoScheduler::on_trial_add(const Trial& trial) {
  searcher_->on_trial_add(trial.trial_id, trial.config);
}

Decision FifoScheduler::on_trial_result(const Trial& trial, const Result& result) {
  searcher_->on_trial_result(trial.trial_id, trial.config, result);
  if (problem_.max_t) {
    const double t = result.get(problem_.resource_attr);
    if (!std::isnan(t) && t >= static_cast<double>(*problem_.max_t)) return Decision::kStop;
  }
  return Decision::kContinue;
}

void FifoScheduler::on_trial_complete(const Trial& trial, const Result& last_result) {
  searcher_->on_trial_complete(trial.trial_id, trial.config, last_result);
}

void FifoScheduler::on_trial_error(const Trial& trial) { searcher_->on_trial_error(trial.trial_id); }

Json FifoScheduler::metadata() const {
  return Json{{"scheduler_name", "FIFOScheduler"},
              {"searcher", searcher_->name()},
              {"metric", problem_.metric},
              {"mode", to_string(problem_.mode)}};
}

Json FifoScheduler::save_state() const {
  return Json{{"scheduler", "FIFOScheduler"}, {"searcher", searcher_->save_state()}};
}

void FifoScheduler::load_state(const Json& state) {
  if (state.value("scheduler", "") != "FIFOScheduler")
    throw StorageError("state is not a FIFOScheduler state");
  searcher_->load_state(state.at("searcher"));
}

}  // namespace synetune
