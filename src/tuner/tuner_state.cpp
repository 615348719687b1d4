#include "tuner/tuner_state.hpp"

#include <cmath>

#include "synetune/core/error.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune {

TrialRecord& TunerState::add_trial(Config config, double t) {
  TrialRecord rec;
  rec.trial.trial_id = next_trial_id++;
  rec.trial.config = std::move(config);
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
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    const auto& [k, v] = r.values[i];
    if (std::isnan(v)) continue;
    // Results report the same keys in the same order: the map entries of the i-th key are
    // remembered (map iterators stay valid), so that a result costs no map search.
    if (i >= extremes_.size()) extremes_.resize(i + 1);
    Extremes& e = extremes_[i];
    if (!e.set || e.key != k) {
      e = {k, status.metric_max.try_emplace(k, v).first, status.metric_min.try_emplace(k, v).first, true};
    }
    if (v > e.max->second) e.max->second = v;
    if (v < e.min->second) e.min->second = v;
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

TunerState::Snapshot TunerState::snapshot() const {
  Snapshot s;
  s.status_ = status.to_json();
  s.next_trial_id_ = next_trial_id;
  s.exhausted_ = exhausted;
  s.best_id_ = best_id_;
  s.trials_.reserve(trials_.size());
  for (const TrialRecord& r : trials_) {
    // Configs and last results are read again only for trials that may still run; a finished
    // trial's config is in the journal (its trial_start line), where a resume takes it from.
    std::uint32_t live = Snapshot::kNotLive;
    if (r.trial.status == TrialStatus::kInProgress || r.trial.status == TrialStatus::kPaused) {
      live = static_cast<std::uint32_t>(s.live_.size());
      s.live_.push_back({r.trial.config, r.last_result});
    }
    s.trials_.push_back({r.trial.trial_id, r.trial.status, live, r.trial.creation_time, r.num_results,
                         r.best, r.max_cost, r.last_resource});
    if (!r.reason.empty()) s.reasons_.emplace_back(r.trial.trial_id, r.reason);
  }
  return s;
}

void TunerState::append_json(std::string& out) const { snapshot().append_json(out); }

// The trial table is stored by columns: one array per field instead of one object per trial
// (10,000 trials: a few arrays instead of 10,000 nine-key objects, 3x faster to build and
// to parse). Version-1 checkpoints stored one object per trial; from_json reads both. The
// columns are written as text directly: a document of 50,000-element arrays cost more to
// build, dump and free than the rest of a long simulation.
void TunerState::Snapshot::append_json(std::string& out) const {
  auto column = [&](const char* name, auto&& cell) {
    out += '"';
    out += name;
    out += "\":";
    append_json_array(out, trials_.size(), [&](std::size_t i) { cell(trials_[i]); });
    out += ',';
  };
  auto number_or_null = [&](double v) {
    if (std::isnan(v)) out += "null";
    else append_python_float(out, v);
  };
  auto integer = [&](std::int64_t v) { append_python_int(out, v); };
  out += "{\"status\":";
  append_json_python(out, status_);
  out += ",\"next_trial_id\":";
  integer(next_trial_id_);
  out += exhausted_ ? ",\"exhausted\":true" : ",\"exhausted\":false";
  out += ",\"best_trial_id\":";
  integer(best_id_);
  out += ",\"trials\":{";
  column("trial_id", [&](const TrialRow& r) { integer(r.trial_id); });
  column("config", [&](const TrialRow& r) {
    if (r.live != kNotLive) append_json_python(out, live_[r.live].config);
    else out += "null";
  });
  column("status", [&](const TrialRow& r) {
    out += '"';
    out += to_string(r.status);
    out += '"';
  });
  column("creation_time", [&](const TrialRow& r) { append_python_float(out, r.creation_time); });
  column("num_results", [&](const TrialRow& r) { integer(r.num_results); });
  column("last_result", [&](const TrialRow& r) {
    if (r.live != kNotLive) append_json_python(out, live_[r.live].last_result.to_json());
    else out += "null";
  });
  column("best", [&](const TrialRow& r) { number_or_null(r.best); });
  column("max_cost", [&](const TrialRow& r) { append_python_float(out, r.max_cost); });
  column("last_resource", [&](const TrialRow& r) { number_or_null(r.last_resource); });
  Json reasons = Json::object();
  for (const auto& [id, reason] : reasons_) reasons[std::to_string(id)] = reason;
  out += "\"reason\":";
  append_json_python(out, reasons);
  out += "}}";
}

namespace {
// One trial of a version-1 (per-object) or version-2 (per-column) trial table.
struct TrialFields {
  const Json& table;
  std::size_t i;
  bool columns;
  const Json* get(const char* key) const {
    if (!columns) return table[i].contains(key) ? &table[i][key] : nullptr;
    if (!table.contains(key)) return nullptr;
    const Json& col = table[key];
    return i < col.size() ? &col[i] : nullptr;
  }
};
}  // namespace

void TunerState::from_json(const Json& j) {
  status = TuningStatus::from_json(j.at("status"));
  extremes_.clear();
  next_trial_id = j.at("next_trial_id").get<TrialId>();
  exhausted = j.value("exhausted", false);
  best_id_ = j.value("best_trial_id", TrialId{-1});
  trials_.clear();
  running_.clear();
  const Json& table = j.at("trials");
  const bool columns = table.is_object();
  const std::size_t n = columns ? table.at("trial_id").size() : table.size();
  const Json no_reasons = Json::object();
  const Json& reasons = columns && table.contains("reason") ? table["reason"] : no_reasons;
  trials_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const TrialFields t{table, i, columns};
    auto number = [&](const char* key, double fallback) {
      const Json* v = t.get(key);
      return v && v->is_number() ? v->get<double>() : fallback;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    TrialRecord r;
    if (!t.get("trial_id") || !t.get("status"))
      throw StorageError("trial " + std::to_string(i) + " of the checkpoint lacks its id or status");
    r.trial.trial_id = t.get("trial_id")->get<TrialId>();
    if (const Json* config = t.get("config")) r.trial.config = *config;  // null: in the journal
    r.trial.status = parse_trial_status(t.get("status")->get<std::string>());
    r.trial.creation_time = number("creation_time", 0.0);
    r.num_results = static_cast<std::int64_t>(number("num_results", 0.0));
    const Json* last = t.get("last_result");
    r.last_result = Result::from_json(r.trial.trial_id, last && last->is_object() ? *last : Json::object());
    r.best = number("best", nan);
    r.max_cost = number("max_cost", 0.0);
    r.last_resource = number("last_resource", nan);
    if (columns) r.reason = reasons.value(std::to_string(r.trial.trial_id), std::string());
    else if (const Json* reason = t.get("reason")) r.reason = reason->get<std::string>();
    if (r.trial.status == TrialStatus::kInProgress) running_.insert(r.trial.trial_id);
    trials_.push_back(std::move(r));
  }
}

CheckpointSnapshot::CheckpointSnapshot(const TunerState& state, const Scheduler& scheduler,
                                       const Backend& backend, const TunerOptions& opts,
                                       std::int64_t journal_offset)
    : head_(Json::object()), state_(state.snapshot()), backend_(backend.save_state()) {
  head_["format"] = "synetune-tuner-checkpoint";
  head_["version"] = 2;
  head_["journal_offset"] = journal_offset;
  head_["n_workers"] = opts.n_workers;
  head_["max_failures"] = opts.max_failures;
  head_["seed"] = opts.seed;
  head_["stop_criterion"] = opts.stop_criterion.to_json();
  scheduler.append_state(scheduler_);
}

std::string CheckpointSnapshot::text() const {
  std::string out = dump_json_python(head_);
  out.pop_back();  // the closing brace: the large parts follow
  out += ",\"state\":";
  state_.append_json(out);
  out += ",\"scheduler\":";
  out += scheduler_;
  out += ",\"backend\":";
  append_json_python(out, backend_);
  out += '}';
  return out;
}

std::string tuner_checkpoint_text(const TunerState& state, const Scheduler& scheduler,
                                  const Backend& backend, const TunerOptions& opts,
                                  std::int64_t journal_offset) {
  return CheckpointSnapshot(state, scheduler, backend, opts, journal_offset).text();
}

}  // namespace synetune
