#include "synetune/schedulers/hyperband_scheduler.hpp"

#include <algorithm>
#include <cmath>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

std::string to_string(HyperbandType t) {
  return t == HyperbandType::kStopping ? "stopping" : "promotion";
}

HyperbandType parse_hyperband_type(const std::string& s) {
  if (s == "stopping") return HyperbandType::kStopping;
  if (s == "promotion") return HyperbandType::kPromotion;
  throw InvalidArgument("option 'type' must be \"stopping\" or \"promotion\", got \"" + s + "\"");
}

std::string to_string(BracketRule r) { return r == BracketRule::kSampled ? "sampled" : "round_robin"; }

BracketRule parse_bracket_rule(const std::string& s) {
  if (s == "sampled") return BracketRule::kSampled;
  if (s == "round_robin") return BracketRule::kRoundRobin;
  throw InvalidArgument("option 'bracket_rule' must be \"sampled\" or \"round_robin\", got \"" + s + "\"");
}

void HyperbandOptions::validate() const {
  if (grace_period < 1)
    throw InvalidArgument("option 'grace_period' must be >= 1, got " + std::to_string(grace_period));
  if (!(reduction_factor >= 2.0))
    throw InvalidArgument("option 'reduction_factor' must be >= 2, got " + std::to_string(reduction_factor));
  if (brackets < 1)
    throw InvalidArgument("option 'brackets' must be >= 1, got " + std::to_string(brackets));
}

Json HyperbandOptions::to_json() const {
  Json j{{"type", to_string(type)}, {"grace_period", grace_period}, {"reduction_factor", reduction_factor}};
  j["rung_levels"] = rung_levels;
  j["brackets"] = brackets;
  j["seed"] = seed;
  j["bracket_rule"] = to_string(bracket_rule);
  return j;
}

std::vector<std::int64_t> HyperbandScheduler::rung_levels_for(const ProblemSpec& problem,
                                                             const HyperbandOptions& o) {
  o.validate();
  auto levels = make_rung_levels(o.grace_period, o.reduction_factor, problem.require_max_t("Hyperband"), o.rung_levels);
  if (static_cast<std::size_t>(o.brackets) > levels.size() + 1)
    throw InvalidArgument("option 'brackets' = " + std::to_string(o.brackets) + " exceeds #rungs + 1 = " +
                          std::to_string(levels.size() + 1));
  return levels;
}

HyperbandScheduler::HyperbandScheduler(ProblemSpec problem, HyperbandOptions options,
                                       std::unique_ptr<Searcher> searcher)
    : problem_(std::move(problem)),
      options_(std::move(options)),
      searcher_(std::move(searcher)),
      max_t_(problem_.require_max_t("Hyperband")),
      rungs_(rung_levels_for(problem_, options_), max_t_, options_.type == HyperbandType::kPromotion, problem_.mode),
      bracket_probs_(default_bracket_distribution(rungs_.levels(), max_t_, options_.brackets)),
      rng_(options_.seed) {
  if (!searcher_) throw InvalidArgument("HyperbandScheduler needs a searcher");
  if (auto* listener = dynamic_cast<RungLevelsListener*>(searcher_.get())) listener->set_rung_levels(rungs_.levels());
}

std::int64_t HyperbandScheduler::first_milestone(int bracket) const {
  const auto s = static_cast<std::size_t>(bracket);
  return s < rungs_.num_rungs() ? rungs_.level(s) : max_t_;
}

namespace {
constexpr TrialId kDenseSlack = 4096;  // ids up to this far past the dense end stay dense
}

HyperbandScheduler::TrialState& HyperbandScheduler::slot(TrialId trial_id) {
  const auto n = static_cast<TrialId>(dense_.size());
  if (trial_id >= 0 && trial_id < n + kDenseSlack) {
    if (trial_id >= n) dense_.resize(static_cast<std::size_t>(trial_id) + 1);
    return dense_[static_cast<std::size_t>(trial_id)];
  }
  return sparse_[trial_id];
}

const HyperbandScheduler::TrialState* HyperbandScheduler::find_state(TrialId trial_id) const {
  if (trial_id >= 0 && trial_id < static_cast<TrialId>(dense_.size())) {
    const auto& st = dense_[static_cast<std::size_t>(trial_id)];
    return st.known ? &st : nullptr;
  }
  const auto it = sparse_.find(trial_id);
  return it != sparse_.end() && it->second.known ? &it->second : nullptr;
}

template <class F>
void HyperbandScheduler::for_each_state(F&& f) const {
  std::vector<std::pair<TrialId, const TrialState*>> low, high;  // sparse ids < 0 / beyond dense
  for (const auto& [id, st] : sparse_)
    if (st.known) (id < 0 ? low : high).emplace_back(id, &st);
  std::sort(low.begin(), low.end());
  std::sort(high.begin(), high.end());
  for (const auto& [id, st] : low) f(id, *st);
  for (std::size_t i = 0; i < dense_.size(); ++i)
    if (dense_[i].known) f(static_cast<TrialId>(i), dense_[i]);
  for (const auto& [id, st] : high) f(id, *st);
}

int HyperbandScheduler::bracket_of(TrialId trial_id) const {
  const auto* st = find_state(trial_id);
  return st ? st->bracket : -1;
}

std::optional<TrialSuggestion> HyperbandScheduler::try_promote() {
  // Highest rung first; the first rung holding a promotable paused trial wins (0.13).
  for (std::size_t k = rungs_.num_rungs(); k-- > 0;) {
    const auto* best = rungs_.best_unpromoted(k);
    if (!best) continue;
    const auto cut = rungs_.cutoff(k);
    if (!cut || best->value > *cut) continue;
    const TrialId id = best->trial_id;
    rungs_.mark_promoted(k, id);
    auto& st = slot(id);
    st.status = Status::kRunning;
    st.resume_from = rungs_.level(k);
    st.next_rung = k + 1;
    if (!problem_.max_resource_attr.empty()) st.config[problem_.max_resource_attr] = rungs_.next_level(k);
    return ResumeTrial{id, st.config};
  }
  return std::nullopt;
}

std::vector<double> HyperbandScheduler::bracket_distribution() const {
  std::vector<double> probs = bracket_probs_;
  std::vector<double> head = searcher_->bracket_distribution_head();
  if (head.empty()) return probs;
  // As Syne Tune's HyperTuneBracketDistribution: the learned head, normalized, takes the
  // default distribution's mass over those brackets; the tail keeps the default.
  head.resize(std::min(head.size(), probs.size()));
  double norm = 0;
  for (double h : head) norm += h;
  if (norm > 1e-14) {
    for (double& h : head) h /= norm;
  } else {
    std::fill(head.begin(), head.end(), 0.0);
    head[0] = 1.0;
  }
  double mass = 0;
  for (std::size_t s = 0; s < head.size(); ++s) mass += probs[s];
  for (std::size_t s = 0; s < head.size(); ++s) probs[s] = head[s] * mass;
  return probs;
}

int HyperbandScheduler::choose_bracket(TrialId next_trial_id) {
  // 0.13 draws only when there is a choice, so ASHA's RNG stream is untouched.
  if (options_.brackets == 1) return 0;
  if (options_.bracket_rule == BracketRule::kRoundRobin) {
    const TrialId b = options_.brackets;
    return static_cast<int>((next_trial_id % b + b) % b);  // ids are >= 0; stay in range anyway
  }
  return static_cast<int>(rng_.categorical(bracket_distribution()));
}

std::optional<TrialSuggestion> HyperbandScheduler::suggest(TrialId next_trial_id) {
  if (options_.type == HyperbandType::kPromotion)
    if (auto promoted = try_promote()) return promoted;
  auto config = searcher_->suggest(next_trial_id);
  if (!config) return std::nullopt;
  const int bracket = choose_bracket(next_trial_id);
  if (!problem_.max_resource_attr.empty())
    (*config)[problem_.max_resource_attr] =
        options_.type == HyperbandType::kPromotion ? first_milestone(bracket) : max_t_;
  if (bracket != 0) pending_brackets_[next_trial_id] = bracket;
  return StartTrial{std::move(*config), std::nullopt};
}

void HyperbandScheduler::on_trial_add(const Trial& trial) {
  TrialState& st = slot(trial.trial_id);
  st = TrialState{};
  st.known = true;
  if (promotion()) st.config = trial.config;
  if (!pending_brackets_.empty()) {
    const auto it = pending_brackets_.find(trial.trial_id);
    if (it != pending_brackets_.end()) {
      st.bracket = it->second;
      pending_brackets_.erase(it);
    }
  }
  st.next_rung = static_cast<std::size_t>(st.bracket);
  searcher_->on_trial_add(trial.trial_id, trial.config);
}

HyperbandScheduler::TrialState& HyperbandScheduler::state_of(const Trial& trial) {
  TrialState& st = slot(trial.trial_id);
  if (!st.known) {  // result of a trial we never saw added: treat as bracket 0
    st.known = true;
    if (promotion()) st.config = trial.config;
  }
  return st;
}

void HyperbandScheduler::finish(TrialId trial_id, TrialState& st) {
  st.status = Status::kDone;
  rungs_.make_ineligible(trial_id);
}

Decision HyperbandScheduler::on_trial_result(const Trial& trial, const Result& result) {
  auto& st = state_of(trial);
  if (st.status == Status::kDone) return Decision::kStop;  // stale result after the end
  const double r = result.get(problem_.resource_attr);
  // resource_need(): the tuner fails a trial whose result has no such resource.
  SYNETUNE_CHECK(r >= 1.0 && r == std::floor(r))
      << "result of trial " << trial.trial_id << " has " << problem_.resource_attr << " = " << r
      << ", not a positive integer";
  const auto resource = static_cast<std::int64_t>(r);
  // Restarted from scratch after a promotion: the levels up to resume_from were seen already.
  if (resource <= st.resume_from) return Decision::kContinue;
  const double value = problem_.sign() * result.get(problem_.metric);
  Decision decision = Decision::kContinue;
  const std::size_t n = rungs_.num_rungs();
  bool at_milestone = false;
  if (st.next_rung < n && resource >= rungs_.level(st.next_rung)) {
    at_milestone = true;
    std::size_t k = st.next_rung;
    if (options_.type == HyperbandType::kStopping) {
      // Highest milestone reached; skipped lower ones stay unrecorded (0.13 would record them
      // on later reports, a quirk not copied).
      while (k + 1 < n && resource >= rungs_.level(k + 1)) ++k;
      rungs_.record(k, trial.trial_id, value);
      const auto cut = rungs_.cutoff(k);
      if (cut && value > *cut) decision = Decision::kStop;
    } else {
      rungs_.record(k, trial.trial_id, value);
      decision = Decision::kPause;
      st.status = Status::kPaused;
    }
    st.next_rung = k + 1;
  }
  if (resource >= max_t_) {
    at_milestone = true;
    decision = Decision::kStop;
  }
  // searcher_data = "rungs": the searcher sees milestone results only.
  if (at_milestone) searcher_->on_trial_result(trial.trial_id, promotion() ? st.config : trial.config, result);
  if (decision == Decision::kStop) finish(trial.trial_id, st);
  return decision;
}

void HyperbandScheduler::on_trial_complete(const Trial& trial, const Result& last_result) {
  auto& st = state_of(trial);
  finish(trial.trial_id, st);
  searcher_->on_trial_complete(trial.trial_id, promotion() ? st.config : trial.config, last_result);
}

void HyperbandScheduler::on_trial_error(const Trial& trial) {
  auto& st = state_of(trial);
  finish(trial.trial_id, st);
  searcher_->on_trial_error(trial.trial_id);
}

SchedulerRequirements HyperbandScheduler::requirements() const {
  if (!promotion()) return {};  // stopping type: a trial runs on or is stopped, never paused
  return {.pause_resume = true,
          .warm_start = false,
          .method = "promotion-type HyperbandScheduler (ASHA, Hyperband, MOBSTER or Hyper-Tune with "
                    "type=promotion)"};
}

Json HyperbandScheduler::metadata() const {
  Json options = options_.to_json();
  options["max_t"] = max_t_;  // resolved from the ProblemSpec, recorded with the options
  return Json{{"scheduler_name", "HyperbandScheduler"},
              {"options", std::move(options)},
              {"rung_levels", rungs_.levels()},
              {"searcher", searcher_->name()},
              {"metric", problem_.metric},
              {"mode", to_string(problem_.mode)},
              {"resource_attr", problem_.resource_attr}};
}

// Trials are stored by columns (one array per field), and a config only for promotion-type
// trials that may still run (the stopping type never reads its stored configs). Written as
// text: a long run's checkpoint holds tens of thousands of trials.
void HyperbandScheduler::append_state(std::string& out) const {
  // Finished trials (most of them, in a long run) only need to stay known as finished, with
  // their bracket: they are saved as runs of consecutive ids, [first, last, bracket].
  struct Run {
    TrialId first, last;
    int bracket;
  };
  std::vector<Run> done;
  std::vector<TrialId> ids;
  std::vector<const TrialState*> states;
  for_each_state([&](TrialId id, const TrialState& st) {  // increasing ids: deterministic
    if (st.status != Status::kDone) {
      ids.push_back(id);
      states.push_back(&st);
    } else if (!done.empty() && id == done.back().last + 1 && st.bracket == done.back().bracket) {
      done.back().last = id;
    } else {
      done.push_back({id, id, st.bracket});
    }
  });
  auto integer = [&](std::int64_t v) { append_python_int(out, v); };
  auto column = [&](const char* key, auto&& cell) {
    out += '"';
    out += key;
    out += "\":";
    append_json_array(out, ids.size(), [&](std::size_t i) { cell(ids[i], *states[i]); });
    out += ',';
  };
  out += "{\"rungs\":";
  rungs_.append_state(out);
  out += ",\"trials\":{";
  column("trial_id", [&](TrialId id, const TrialState&) { integer(id); });
  column("bracket", [&](TrialId, const TrialState& st) { integer(st.bracket); });
  column("next_rung", [&](TrialId, const TrialState& st) { integer(static_cast<std::int64_t>(st.next_rung)); });
  column("resume_from", [&](TrialId, const TrialState& st) { integer(st.resume_from); });
  column("status", [&](TrialId, const TrialState& st) { integer(static_cast<int>(st.status)); });  // 0 running, 1 paused, 2 done
  out += "\"config\":{";
  if (promotion()) {
    bool first = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, std::to_string(ids[i]));
      out += ':';
      append_json_python(out, states[i]->config);
    }
  }
  out += "},\"done\":";
  append_json_array(out, done.size(), [&](std::size_t i) {
    out += '[', integer(done[i].first), out += ',', integer(done[i].last), out += ',';
    integer(done[i].bracket), out += ']';
  });
  out += "},\"pending_brackets\":";
  std::vector<std::pair<TrialId, int>> pending(pending_brackets_.begin(), pending_brackets_.end());
  std::sort(pending.begin(), pending.end());  // deterministic
  append_json_array(out, pending.size(), [&](std::size_t i) {
    out += '[', integer(pending[i].first), out += ',', integer(pending[i].second), out += ']';
  });
  out += ",\"rng\":";
  append_json_python(out, rng_.save_state());
  out += ",\"searcher\":";
  append_json_python(out, searcher_->save_state());
  out += '}';
}

Json HyperbandScheduler::save_state() const {
  std::string text;
  append_state(text);
  return parse_json_lenient(text);
}

void HyperbandScheduler::load_state(const Json& state) {
  rungs_.load_state(state.at("rungs"));
  dense_.clear();
  sparse_.clear();
  const Json& t = state.at("trials");
  const Json& configs = t.at("config");
  for (std::size_t i = 0; i < t.at("trial_id").size(); ++i) {
    TrialState st;
    st.known = true;
    const auto id = t["trial_id"][i].get<TrialId>();
    st.bracket = t.at("bracket")[i].get<int>();
    st.next_rung = t.at("next_rung")[i].get<std::size_t>();
    st.resume_from = t.at("resume_from")[i].get<std::int64_t>();
    const int s = t.at("status")[i].get<int>();
    if (s < 0 || s > 2) throw StorageError("HyperbandScheduler state: bad trial status " + std::to_string(s));
    st.status = static_cast<Status>(s);
    if (promotion())
      if (auto it = configs.find(std::to_string(id)); it != configs.end()) st.config = *it;
    slot(id) = std::move(st);
  }
  // Finished trials as runs [first, last, bracket] (older states listed them in the columns).
  if (const auto done = t.find("done"); done != t.end())
    for (const auto& run : *done) {
      const auto first = run.at(0).get<TrialId>(), last = run.at(1).get<TrialId>();
      if (first < 0 || last < first || last - first > (TrialId{1} << 32))
        throw StorageError("HyperbandScheduler state: bad run of finished trials " + run.dump());
      for (TrialId id = first; id <= last; ++id) {
        TrialState st;
        st.known = true;
        st.bracket = run.at(2).get<int>();
        st.next_rung = static_cast<std::size_t>(st.bracket);
        st.status = Status::kDone;
        slot(id) = std::move(st);
      }
    }
  pending_brackets_.clear();
  for (const auto& p : state.at("pending_brackets"))
    if (const int b = p.at(1).get<int>(); b != 0) pending_brackets_.emplace(p.at(0).get<TrialId>(), b);
  rng_.load_state(state.at("rng"));
  searcher_->load_state(state.at("searcher"));
}

}  // namespace synetune
