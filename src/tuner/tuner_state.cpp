#include "tuner/tuner_state.hpp"

#include <cmath>

#include "synetune/tuner/results_table.hpp"

namespace synetune {

TrialRecord& TunerState::add_trial(const Config& config, double t) {
  TrialRecord rec;
  rec.trial.trial_id = next_trial_id++;
  rec.trial.config = config;
  rec.trial.status = TrialStatus::kInProgress;
  rec.trial.creation_time = t;
  trials_.push_back(std::move(rec));
  running_.insert(trials_.back().trial.trial_id);
  ++status.num_trials_started;
  status.num_trials_running = num_running();
  return trials_.back();
}

void TunerState::record_result(TrialRecord& rec, const Result& r) {
  ++rec.num_results;
  ++status.num_evaluations;
  for (const auto& [k, v] : r.values) {
    if (std::isnan(v)) continue;
    auto [itmax, newmax] = status.metric_max.try_emplace(k, v);
    if (!newmax && v > itmax->second) itmax->second = v;
    auto [itmin, newmin] = status.metric_min.try_emplace(k, v);
    if (!newmin && v < itmin->second) itmin->second = v;
    if (k == "st_worker_cost" && v > rec.max_cost) {
      status.cost += v - rec.max_cost;
      rec.max_cost = v;
    }
  }
  if (!metric_.empty()) {
    double v = r.get(metric_);
    if (!std::isnan(v)) {
      double s = sign_ * v;
      if (std::isnan(rec.best) || s < rec.best) rec.best = s;
      if (best_id_ < 0 || s < trials_[best_id_].best) best_id_ = rec.trial.trial_id;
    }
  }
  rec.last_result = r;
}

void TunerState::on_status_change(TrialRecord& rec, TrialStatus from, TrialStatus to) {
  auto adjust = [&](TrialStatus s, int d) {
    switch (s) {
      case TrialStatus::kCompleted: status.num_trials_completed += d; break;
      case TrialStatus::kFailed: status.num_trials_failed += d; break;
      case TrialStatus::kStopped:
      case TrialStatus::kStopping: status.num_trials_stopped += d; break;
      case TrialStatus::kPaused: status.num_trials_paused += d; break;
      case TrialStatus::kInProgress: break;
    }
  };
  adjust(from, -1);
  adjust(to, +1);
  if (to == TrialStatus::kInProgress) running_.insert(rec.trial.trial_id);
  else running_.erase(rec.trial.trial_id);
  status.num_trials_running = num_running();
}

std::vector<TrialRecord*> TunerState::running_trials() {
  std::vector<TrialRecord*> out;
  for (TrialId id : running_) out.push_back(&trials_[id]);
  return out;
}

std::optional<std::pair<const TrialRecord*, double>> TunerState::best_trial(const ProblemSpec& p) const {
  if (best_id_ < 0) return std::nullopt;
  const TrialRecord& r = trials_[best_id_];
  return std::make_pair(&r, p.sign() * r.best);
}

Json TunerState::to_json() const {
  Json trials = Json::array();
  for (const auto& r : trials_) {
    Json t{{"trial_id", r.trial.trial_id},
           {"config", r.trial.config},
           {"status", to_string(r.trial.status)},
           {"creation_time", r.trial.creation_time},
           {"num_results", r.num_results},
           {"last_result", r.last_result.to_json()},
           {"best", std::isnan(r.best) ? Json() : Json(r.best)},
           {"max_cost", r.max_cost},
           {"last_resource", std::isnan(r.last_resource) ? Json() : Json(r.last_resource)}};
    if (!r.reason.empty()) t["reason"] = r.reason;
    trials.push_back(std::move(t));
  }
  return Json{{"status", status.to_json()}, {"next_trial_id", next_trial_id},
              {"exhausted", exhausted}, {"best_trial_id", best_id_}, {"trials", trials}};
}

void TunerState::from_json(const Json& j) {
  status = TuningStatus::from_json(j.at("status"));
  next_trial_id = j.at("next_trial_id").get<TrialId>();
  exhausted = j.value("exhausted", false);
  best_id_ = j.value("best_trial_id", TrialId{-1});
  trials_.clear();
  running_.clear();
  for (const auto& t : j.at("trials")) {
    TrialRecord r;
    r.trial.trial_id = t.at("trial_id").get<TrialId>();
    r.trial.config = t.at("config");
    r.trial.status = parse_trial_status(t.at("status").get<std::string>());
    r.trial.creation_time = t.value("creation_time", 0.0);
    r.num_results = t.value("num_results", std::int64_t{0});
    r.last_result = Result::from_json(r.trial.trial_id, t.value("last_result", Json::object()));
    r.best = t.contains("best") && t["best"].is_number() ? t["best"].get<double>()
                                                         : std::numeric_limits<double>::quiet_NaN();
    r.max_cost = t.value("max_cost", 0.0);
    if (t.contains("last_resource") && t["last_resource"].is_number())
      r.last_resource = t["last_resource"].get<double>();
    r.reason = t.value("reason", std::string());
    if (r.trial.status == TrialStatus::kInProgress) running_.insert(r.trial.trial_id);
    trials_.push_back(std::move(r));
  }
}

Json tuner_checkpoint_json(const TunerState& state, const Scheduler& scheduler,
                                  const Backend& backend, const TunerOptions& opts,
                                  std::int64_t journal_offset) {
  Json j{{"format", "synetune-tuner-checkpoint"},
         {"version", 1},
         {"state", state.to_json()},
         {"scheduler", scheduler.save_state()},
         {"backend", backend.save_state()},
         {"stop_criterion", opts.stop_criterion.to_json()},
         {"n_workers", opts.n_workers},
         {"max_failures", opts.max_failures},
         {"seed", opts.seed},
         {"journal_offset", journal_offset}};
  return j;
}

}  // namespace synetune
