#include "synetune/schedulers/synchronous_hyperband.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"
#include "synetune/schedulers/rung_system.hpp"

namespace synetune {

void SynchronousHyperbandOptions::validate() const {
  if (grace_period < 1)
    throw InvalidArgument("option 'grace_period' must be >= 1, got " + std::to_string(grace_period));
  if (!(reduction_factor >= 2.0))
    throw InvalidArgument("option 'reduction_factor' must be >= 2, got " + std::to_string(reduction_factor));
  if (brackets && *brackets < 1)
    throw InvalidArgument("option 'brackets' must be >= 1, got " + std::to_string(*brackets));
}

Json SynchronousHyperbandOptions::to_json() const {
  return Json{{"grace_period", grace_period},
              {"reduction_factor", reduction_factor},
              {"brackets", brackets ? Json(*brackets) : Json(nullptr)}};
}

std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> geometric_bracket_rungs(
    std::int64_t r_min, std::int64_t r_max, double eta, std::optional<int> num_brackets) {
  if (r_min < 1 || r_max < r_min)
    throw InvalidArgument("synchronous Hyperband needs 1 <= grace_period <= max_t, got grace_period = " +
                          std::to_string(r_min) + ", max_t = " + std::to_string(r_max));
  int s_max = 0;
  while (static_cast<double>(r_min) * std::pow(eta, s_max) < static_cast<double>(r_max)) ++s_max;
  const int n = num_brackets ? std::min(*num_brackets, s_max + 1) : s_max + 1;
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> out;
  for (int b = 0; b < n; ++b) {
    const int s = s_max - b;
    const double pre = static_cast<double>(s_max + 1) / static_cast<double>(s + 1);
    std::vector<std::pair<std::int64_t, std::int64_t>> rungs;
    for (int j = 0; j < s; ++j) {
      const auto level = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(r_min) * std::pow(eta, j + b)));
      const auto size = static_cast<std::int64_t>(std::ceil(pre * std::pow(eta, s - j)));
      rungs.emplace_back(size, level);
    }
    rungs.emplace_back(static_cast<std::int64_t>(std::ceil(pre)), r_max);
    out.push_back(std::move(rungs));
  }
  return out;
}

SynchronousHyperbandScheduler::SynchronousHyperbandScheduler(ProblemSpec problem,
                                                             SynchronousHyperbandOptions options,
                                                             std::unique_ptr<Searcher> searcher)
    : problem_(std::move(problem)), options_(std::move(options)), searcher_(std::move(searcher)) {
  if (!searcher_) throw InvalidArgument("SynchronousHyperbandScheduler needs a searcher");
  options_.validate();
  max_t_ = problem_.require_max_t("synchronous Hyperband");
  bracket_rungs_ = geometric_bracket_rungs(options_.grace_period, max_t_, options_.reduction_factor,
                                           options_.brackets);
  primary_ = create_bracket();
}

std::size_t SynchronousHyperbandScheduler::create_bracket() {
  Bracket b;
  b.offset = static_cast<int>(brackets_.size() % bracket_rungs_.size());
  b.slots.assign(static_cast<std::size_t>(bracket_rungs_[static_cast<std::size_t>(b.offset)][0].first), Slot{});
  brackets_.push_back(std::move(b));
  return brackets_.size() - 1;
}

std::pair<std::size_t, std::size_t> SynchronousHyperbandScheduler::next_job() {
  // Primary bracket first; only the current (lowest incomplete) rung of a bracket takes jobs.
  for (std::size_t id = primary_; id < brackets_.size(); ++id) {
    auto& b = brackets_[id];
    if (b.complete(rungs_of(b).size()) || b.first_free >= b.slots.size()) continue;
    return {id, b.first_free++};
  }
  const std::size_t id = create_bracket();
  return {id, brackets_[id].first_free++};
}

void SynchronousHyperbandScheduler::on_slot_result(const Pending& p, TrialId trial_id, double value) {
  auto& b = brackets_[p.bracket_id];
  auto& slot = b.slots[p.slot];
  slot.trial_id = trial_id;
  slot.value = value;
  slot.occupied = true;
  const auto& rungs = rungs_of(b);
  const bool rung_full = b.first_free >= b.slots.size() &&
                         std::all_of(b.slots.begin(), b.slots.end(), [](const Slot& s) { return s.occupied; });
  if (rung_full) {
    ++b.current_rung;
    b.first_free = 0;
    if (!b.complete(rungs.size())) {
      const auto new_len = static_cast<std::size_t>(rungs[b.current_rung].first);
      std::vector<Slot> valid, invalid;
      for (const auto& s : b.slots) (std::isnan(s.value) ? invalid : valid).push_back(s);
      // Stable, like Python's sorted(); failed (NaN) trials only fill up a short rung.
      std::stable_sort(valid.begin(), valid.end(), [](const Slot& a, const Slot& c) { return a.value < c.value; });
      if (valid.size() > new_len) valid.resize(new_len);
      // A failed (NaN) slot that fills up a short rung is started afresh with a new config:
      // its trial failed or ended, so it cannot be resumed (0.13 would try to resume it).
      for (std::size_t i = 0; valid.size() < new_len && i < invalid.size(); ++i) {
        valid.push_back(invalid[i]);
        valid.back().trial_id = -1;
      }
      for (auto& s : valid) s.occupied = false;
      b.slots = std::move(valid);
    }
  }
  if (p.bracket_id == primary_) {
    while (brackets_[primary_].complete(rungs_of(brackets_[primary_]).size()) && primary_ + 1 < brackets_.size())
      ++primary_;
    if (brackets_[primary_].complete(rungs_of(brackets_[primary_]).size())) primary_ = create_bracket();
  }
}

std::optional<TrialSuggestion> SynchronousHyperbandScheduler::suggest(TrialId next_trial_id) {
  const auto [bid, pos] = next_job();
  const auto& b = brackets_[bid];
  const Pending p{bid, b.current_rung, pos, rungs_of(b)[b.current_rung].second};
  const TrialId existing = b.slots[pos].trial_id;
  if (existing >= 0) {  // promotion: resume the paused trial up to the next level
    Config config = configs_.at(existing);
    if (!problem_.max_resource_attr.empty()) config[problem_.max_resource_attr] = p.level;
    pending_[existing] = p;
    return ResumeTrial{existing, std::move(config)};
  }
  auto config = searcher_->suggest(next_trial_id);
  if (!config) {
    // As 0.13: the slot is marked failed so that the bracket is not blocked forever.
    on_slot_result(p, -1, std::numeric_limits<double>::quiet_NaN());
    return std::nullopt;
  }
  if (!problem_.max_resource_attr.empty()) (*config)[problem_.max_resource_attr] = p.level;
  configs_[next_trial_id] = *config;
  pending_[next_trial_id] = p;
  return StartTrial{std::move(*config), std::nullopt};
}

void SynchronousHyperbandScheduler::on_trial_add(const Trial& trial) {
  configs_.try_emplace(trial.trial_id, trial.config);
  searcher_->on_trial_add(trial.trial_id, trial.config);
}

Decision SynchronousHyperbandScheduler::on_trial_result(const Trial& trial, const Result& result) {
  const auto it = pending_.find(trial.trial_id);
  if (it == pending_.end()) return Decision::kStop;  // not pending: result unused (as 0.13)
  const Pending p = it->second;
  const double r = result.get(problem_.resource_attr);
  // resource_need(): the tuner fails a trial whose result has no such resource.
  SYNETUNE_CHECK(r >= 1.0 && r == std::floor(r))
      << "result of trial " << trial.trial_id << " has " << problem_.resource_attr << " = " << r
      << ", not a positive integer";
  const auto resource = static_cast<std::int64_t>(r);
  if (resource < p.level) return Decision::kContinue;
  // 0.13 asserts resource == milestone; a skipped level is accepted here instead.
  pending_.erase(it);
  searcher_->on_trial_result(trial.trial_id, configs_.at(trial.trial_id), result);
  on_slot_result(p, trial.trial_id, problem_.sign() * result.get(problem_.metric));
  // 0.13 answers PAUSE at every milestone, also at r_max where no promotion can follow; we stop
  // there so that the trial reaches a terminal state.
  return p.level >= max_t_ ? Decision::kStop : Decision::kPause;
}

void SynchronousHyperbandScheduler::on_trial_complete(const Trial& trial, const Result& last_result) {
  searcher_->on_trial_complete(trial.trial_id, configs_.count(trial.trial_id) ? configs_.at(trial.trial_id) : trial.config, last_result);
  // Ended before its milestone: its slot counts as failed, else the bracket would block.
  const auto it = pending_.find(trial.trial_id);
  if (it == pending_.end()) return;
  const Pending p = it->second;
  pending_.erase(it);
  on_slot_result(p, trial.trial_id, std::numeric_limits<double>::quiet_NaN());
}

void SynchronousHyperbandScheduler::on_trial_error(const Trial& trial) {
  searcher_->on_trial_error(trial.trial_id);
  const auto it = pending_.find(trial.trial_id);
  if (it == pending_.end()) return;
  const Pending p = it->second;
  pending_.erase(it);
  on_slot_result(p, trial.trial_id, std::numeric_limits<double>::quiet_NaN());
}

SchedulerRequirements SynchronousHyperbandScheduler::requirements() const {
  return {.pause_resume = true,
          .warm_start = false,
          .method = "SynchronousGeometricHyperbandScheduler (SyncHyperband or SyncSH)"};
}

Json SynchronousHyperbandScheduler::metadata() const {
  Json rungs = Json::array();
  for (const auto& b : bracket_rungs_) {
    Json br = Json::array();
    for (const auto& [size, level] : b) br.push_back(Json::array({size, level}));
    rungs.push_back(std::move(br));
  }
  Json options = options_.to_json();
  options["max_t"] = max_t_;  // resolved from the ProblemSpec, recorded with the options
  return Json{{"scheduler_name", "SynchronousGeometricHyperbandScheduler"},
              {"options", std::move(options)},
              {"bracket_rungs", std::move(rungs)},
              {"searcher", searcher_->name()},
              {"metric", problem_.metric},
              {"mode", to_string(problem_.mode)},
              {"resource_attr", problem_.resource_attr}};
}

Json SynchronousHyperbandScheduler::save_state() const {
  Json brackets = Json::array();
  for (const auto& b : brackets_) {
    Json slots = Json::array();
    for (const auto& s : b.slots) slots.push_back(Json::array({s.trial_id, double_to_json(s.value), s.occupied}));
    brackets.push_back(Json{{"offset", b.offset}, {"current_rung", b.current_rung},
                            {"first_free", b.first_free}, {"slots", std::move(slots)}});
  }
  Json pending = Json::array();
  for (const auto& [id, p] : std::map<TrialId, Pending>(pending_.begin(), pending_.end()))
    pending.push_back(Json::array({id, p.bracket_id, p.rung, p.slot, p.level}));
  Json configs = Json::array();
  for (const auto& [id, c] : std::map<TrialId, Config>(configs_.begin(), configs_.end()))
    configs.push_back(Json::array({id, c}));
  return Json{{"brackets", std::move(brackets)}, {"primary", primary_}, {"pending", std::move(pending)},
              {"configs", std::move(configs)}, {"searcher", searcher_->save_state()}};
}

void SynchronousHyperbandScheduler::load_state(const Json& state) {
  brackets_.clear();
  for (const auto& j : state.at("brackets")) {
    Bracket b;
    b.offset = j.at("offset").get<int>();
    if (static_cast<std::size_t>(b.offset) >= bracket_rungs_.size())
      throw StorageError("saved synchronous Hyperband state has more brackets than this configuration");
    b.current_rung = j.at("current_rung").get<std::size_t>();
    b.first_free = j.at("first_free").get<std::size_t>();
    for (const auto& s : j.at("slots"))
      b.slots.push_back(Slot{s.at(0).get<TrialId>(), double_from_json(s.at(1)), s.at(2).get<bool>()});
    brackets_.push_back(std::move(b));
  }
  primary_ = state.at("primary").get<std::size_t>();
  pending_.clear();
  for (const auto& p : state.at("pending"))
    pending_[p.at(0).get<TrialId>()] = Pending{p.at(1).get<std::size_t>(), p.at(2).get<std::size_t>(),
                                               p.at(3).get<std::size_t>(), p.at(4).get<std::int64_t>()};
  configs_.clear();
  for (const auto& c : state.at("configs")) configs_[c.at(0).get<TrialId>()] = c.at(1);
  searcher_->load_state(state.at("searcher"));
}

}  // namespace synetune
