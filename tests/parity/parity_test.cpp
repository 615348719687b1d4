// Parity with Syne Tune 0.13: replays decision traces recorded from Syne Tune's own schedulers
// (tests/parity/data, described in the README there) through ours, built by the registry as
// `--method` builds them, and requires every decision and every suggestion to be Syne Tune's.
//
// Each trace event carries the values the co-simulation fed to Syne Tune, so walking the
// events in order feeds our scheduler exactly what Syne Tune saw, as long as the two agree;
// the first disagreement ends the replay and is reported with its event index.
#include <zlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "synetune/registry.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"

namespace synetune {
namespace {

// Config key our schedulers set to the level a started or resumed trial may train to.
constexpr const char* kMaxResourceAttr = "epochs";

std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  if (n < 0) throw std::runtime_error("cannot read " + path + " (corrupt gzip?)");
  return out;
}

Json load_trace(const std::string& scenario) {
  const Json trace = Json::parse(read_gzip(std::string(SYNETUNE_SOURCE_DIR) + "/tests/parity/data/st_" +
                                           scenario + ".json.gz"));
  if (trace.at("format") != "synetune-parity-trace/1") throw std::runtime_error("unknown trace format");
  return trace;
}

// Config ids in the order the searcher must return them (identity when the trace has none).
std::vector<std::int64_t> config_order(const Json& trace) {
  if (trace.contains("config_order")) return trace["config_order"].get<std::vector<std::int64_t>>();
  std::vector<std::int64_t> order(trace.at("n_configs").get<std::size_t>());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  return order;
}

// The registry's method name and options for the trace's scheduler (Syne Tune's option names).
std::pair<std::string, Json> method_of(const Json& trace) {
  const Json& s = trace.at("scheduler");
  if (s.at("name") == "HyperbandScheduler") {
    Json o{{"type", s.at("type")}, {"grace_period", s.at("grace_period")},
           {"reduction_factor", s.at("reduction_factor")}, {"max_t", s.at("max_t")}};
    if (s.at("brackets") == 1) return {"ASHA", o};
    o["brackets"] = s.at("brackets");
    // The trace states its bracket assignment in words: it must be what round_robin does.
    if (s.at("bracket_rule") != "new trial t gets bracket t % brackets")
      throw std::runtime_error("unsupported bracket rule " + s.at("bracket_rule").dump());
    o["bracket_rule"] = "round_robin";
    return {"Hyperband", o};
  }
  if (s.at("name") == "MedianStoppingRule" && s.at("inner") == "FIFOScheduler")
    return {"MedianStoppingRule", Json{{"grace_time", s.at("grace_time")},
                                       {"grace_population", s.at("grace_population")},
                                       {"rank_cutoff", s.at("rank_cutoff")},
                                       {"running_average", s.at("running_average")}}};
  throw std::runtime_error("no registry method for the trace's scheduler " + s.dump());
}

// Our scheduler for the trace, built by the registry; `overrides` replace options (to check
// that a changed scheduler is caught). The searcher is the registry's random searcher restricted
// to the trace's configs, trying them first in trace order: it returns exactly that order,
// then nothing, as the trace's searcher did.
std::unique_ptr<Scheduler> build(const Json& trace, const Json& overrides = Json::object()) {
  auto [method, options] = method_of(trace);
  for (auto it = overrides.begin(); it != overrides.end(); ++it) options[it.key()] = it.value();
  MethodSpec spec;
  spec.space.add("config_id", randint(0, trace.at("n_configs").get<std::int64_t>() - 1));
  spec.problem.metric = trace.at("metric").get<std::string>();
  spec.problem.mode = parse_mode(trace.at("mode").get<std::string>());
  spec.problem.resource_attr = trace.at("resource_attr").get<std::string>();
  // The problem's max_t only where the trace's scheduler had one: Syne Tune's FIFOScheduler
  // under the median rule had none and continued at max_t, where ours, given max_t, stops.
  if (trace.at("scheduler").contains("max_t")) spec.problem.max_t = trace["scheduler"]["max_t"].get<std::int64_t>();
  spec.problem.max_resource_attr = kMaxResourceAttr;
  std::vector<Config> configs;
  for (const std::int64_t c : config_order(trace)) configs.push_back(Config{{"config_id", c}});
  spec.points_to_evaluate = configs;
  spec.restrict_configurations = std::move(configs);
  spec.options = options;
  return make_scheduler(method, spec);
}

struct Outcome {
  std::size_t decisions = 0;    ///< result events whose decision equalled Syne Tune's
  std::size_t suggestions = 0;  ///< suggest events whose outcome equalled Syne Tune's
  std::size_t completions = 0;  ///< complete events fed
  std::string mismatch;         ///< the first difference ("" if none)
};

// Feeds a trace's events to a scheduler the way the tuner does (on_trial_add after a start,
// on_trial_remove after STOP / PAUSE, on_trial_complete at a `complete`).
class Replay {
 public:
  Replay(const Json& trace, Scheduler& scheduler)
      : trace_(trace), s_(scheduler), hb_(dynamic_cast<const HyperbandScheduler*>(&scheduler)) {}

  Outcome run();

 private:
  struct Run {
    Trial trial;
    std::int64_t epoch = 0;  ///< last reported
    Result last;
  };
  std::string on_suggest(const Json& e);
  std::string on_start(const Json& e, const std::optional<TrialSuggestion>& s);
  std::string on_resume(const Json& e, const std::optional<TrialSuggestion>& s);
  std::string on_result(const Json& e);
  std::string on_complete(const Json& e);
  std::string describe(const std::optional<TrialSuggestion>& s) const;
  std::size_t running() const;

  const Json& trace_;
  Scheduler& s_;
  const HyperbandScheduler* hb_;
  std::map<TrialId, Run> trials_;
  TrialId next_id_ = 0;
};

Outcome Replay::run() {
  Outcome out;
  const Json& events = trace_.at("events");
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Json& e = events[i];
    const std::string type = e.at("type");
    std::string diff;
    if (e.at("i") != i) {
      diff = "trace inconsistent: event out of order";
    } else if (type == "suggest") {
      if ((diff = on_suggest(e)).empty()) ++out.suggestions;
    } else if (type == "result") {
      if ((diff = on_result(e)).empty()) ++out.decisions;
    } else if (type == "complete") {
      if ((diff = on_complete(e)).empty()) ++out.completions;
    } else {
      diff = "trace inconsistent: unknown event type";
    }
    if (!diff.empty()) {
      out.mismatch = "event " + std::to_string(i) + " " + e.dump() + ": " + diff;
      break;
    }
  }
  return out;
}

std::string Replay::describe(const std::optional<TrialSuggestion>& s) const {
  if (!s) return "suggested nothing";
  if (const auto* start = std::get_if<StartTrial>(&*s))
    return "started trial " + std::to_string(next_id_) + " with " + start->config.dump();
  const auto& resume = std::get<ResumeTrial>(*s);
  return "resumed trial " + std::to_string(resume.trial_id) +
         (resume.new_config ? " with " + resume.new_config->dump() : "");
}

std::size_t Replay::running() const {
  std::size_t n = 0;
  for (const auto& [id, r] : trials_) n += r.trial.status == TrialStatus::kInProgress;
  return n;
}

std::string Replay::on_suggest(const Json& e) {
  // The co-simulation asks only for idle workers: a trace asking with all busy is broken.
  if (running() >= trace_.at("workers").get<std::size_t>()) return "trace inconsistent: no idle worker";
  const std::optional<TrialSuggestion> s = s_.suggest(next_id_);
  const std::string action = e.at("action");
  if (action == "start") return on_start(e, s);
  if (action == "resume") return on_resume(e, s);
  if (action != "none") return "trace inconsistent: unknown suggest action";
  return s ? "Syne Tune suggested nothing, synetune " + describe(s) : "";
}

std::string Replay::on_start(const Json& e, const std::optional<TrialSuggestion>& s) {
  const auto* start = s ? std::get_if<StartTrial>(&*s) : nullptr;
  if (!start || e.at("trial_id") != next_id_ || start->config.at("config_id") != e.at("config_id"))
    return "Syne Tune started trial " + e.at("trial_id").dump() + " with config " + e.at("config_id").dump() +
           ", synetune " + describe(s);
  Run& r = trials_[next_id_];
  r.trial.trial_id = next_id_++;
  r.trial.config = start->config;
  s_.on_trial_add(r.trial);
  if (e.contains("bracket") && (!hb_ || hb_->bracket_of(r.trial.trial_id) != e["bracket"]))
    return "Syne Tune put the trial in bracket " + e["bracket"].dump() + ", synetune in " +
           std::to_string(hb_ ? hb_->bracket_of(r.trial.trial_id) : -1);
  return "";
}

std::string Replay::on_resume(const Json& e, const std::optional<TrialSuggestion>& s) {
  const auto* resume = s ? std::get_if<ResumeTrial>(&*s) : nullptr;
  if (!resume || e.at("trial_id") != resume->trial_id)
    return "Syne Tune resumed trial " + e.at("trial_id").dump() + ", synetune " + describe(s);
  Run& r = trials_.at(resume->trial_id);
  if (r.trial.status != TrialStatus::kPaused) return "synetune resumed a trial that is not paused";
  // Syne Tune resumes from the rung level where the trial paused; ours says how far it may
  // now train: the next level after the rung it is promoted from.
  const auto from = e.at("resume_from_epoch").get<std::int64_t>();
  if (from != r.epoch) return "trace inconsistent: the trial paused at epoch " + std::to_string(r.epoch);
  if (!hb_ || !resume->new_config) return "synetune's resume does not say how far to train";
  const auto& levels = hb_->rungs().levels();
  const auto k = static_cast<std::size_t>(std::find(levels.begin(), levels.end(), from) - levels.begin());
  const Json to = resume->new_config->at(kMaxResourceAttr);
  if (k == levels.size() || to != hb_->rungs().next_level(k))
    return "Syne Tune resumed from rung level " + std::to_string(from) + ", synetune up to epoch " + to.dump();
  r.trial.config = *resume->new_config;
  r.trial.status = TrialStatus::kInProgress;
  return "";
}

std::string Replay::on_result(const Json& e) {
  const auto it = trials_.find(e.at("trial_id").get<TrialId>());
  if (it == trials_.end() || it->second.trial.status != TrialStatus::kInProgress)
    return "trace inconsistent: result of a trial that is not running";
  Run& r = it->second;
  const auto epoch = e.at("epoch").get<std::int64_t>();
  if (epoch != r.epoch + 1) return "trace inconsistent: epoch after " + std::to_string(r.epoch);
  const std::string& metric = s_.problem().metric;
  Result res;
  res.trial_id = r.trial.trial_id;
  res.set(metric, e.at(metric).get<double>());
  res.set(s_.problem().resource_attr, static_cast<double>(epoch));
  r.epoch = epoch;
  r.last = res;
  const Decision d = s_.on_trial_result(r.trial, res);
  if (to_string(d) != e.at("decision"))
    return "Syne Tune decided " + e.at("decision").get<std::string>() + ", synetune " + to_string(d);
  if (d == Decision::kContinue) return "";
  r.trial.status = d == Decision::kStop ? TrialStatus::kStopped : TrialStatus::kPaused;
  s_.on_trial_remove(r.trial);
  return "";
}

std::string Replay::on_complete(const Json& e) {
  const auto it = trials_.find(e.at("trial_id").get<TrialId>());
  if (it == trials_.end() || it->second.trial.status != TrialStatus::kInProgress ||
      it->second.epoch != trace_.at("max_t").get<std::int64_t>())
    return "trace inconsistent: completion of a trial that is not running at max_t";
  it->second.trial.status = TrialStatus::kCompleted;
  s_.on_trial_complete(it->second.trial, it->second.last);
  return "";
}

std::size_t count_events(const Json& trace, const std::string& type) {
  std::size_t n = 0;
  for (const auto& e : trace.at("events")) n += e.at("type") == type;
  return n;
}

class SyneTuneParity : public ::testing::TestWithParam<std::string> {};

TEST_P(SyneTuneParity, EveryDecisionAndSuggestionIsSyneTunes) {
  const Json trace = load_trace(GetParam());
  const auto scheduler = build(trace);
  if (const auto* hb = dynamic_cast<const HyperbandScheduler*>(scheduler.get())) {  // derived, not given
    EXPECT_EQ(hb->rungs().levels(), trace["scheduler"]["rung_levels"].get<std::vector<std::int64_t>>());
  }
  const Outcome out = Replay(trace, *scheduler).run();
  EXPECT_EQ(out.mismatch, "");
  // Every event compared: the replay did not end early or skip any.
  EXPECT_EQ(out.decisions, count_events(trace, "result"));
  EXPECT_EQ(out.decisions, trace["summary"]["results"].get<std::size_t>());
  EXPECT_EQ(out.suggestions, count_events(trace, "suggest"));
  EXPECT_EQ(out.completions, count_events(trace, "complete"));
  std::cout << "[parity] " << GetParam() << ": " << out.decisions << " decisions and " << out.suggestions
            << " suggestions equal to Syne Tune's\n";
}

INSTANTIATE_TEST_SUITE_P(SyneTune013, SyneTuneParity,
                         ::testing::Values("asha_stopping", "asha_promotion", "hyperband3_stopping",
                                           "median_stopping", "asha_stopping_tie"),
                         [](const auto& info) { return info.param; });

// The replay can fail: each change of an option that matters is caught at a decision or a
// suggestion (not at a trace-consistency check).
TEST(SyneTuneParityReplay, ReportsTheFirstDifferenceOfAChangedScheduler) {
  const std::vector<std::pair<std::string, Json>> changes = {
      {"asha_stopping", {{"reduction_factor", 2}}},
      {"asha_stopping", {{"grace_period", 3}}},
      {"asha_promotion", {{"type", "stopping"}}},
      {"hyperband3_stopping", {{"bracket_rule", "sampled"}}},
      {"median_stopping", {{"rank_cutoff", 0.4}}},
      {"median_stopping", {{"running_average", false}}},
  };
  for (const auto& [scenario, change] : changes) {
    const Json trace = load_trace(scenario);
    const Outcome out = Replay(trace, *build(trace, change)).run();
    EXPECT_EQ(out.mismatch.rfind("event ", 0), 0u) << scenario << " " << change.dump();
    EXPECT_NE(out.mismatch.find(": Syne Tune "), std::string::npos)
        << scenario << " " << change.dump() << ": " << out.mismatch;
    std::cout << "[parity] " << scenario << " with " << change.dump() << " (expected to differ): "
              << out.mismatch.substr(0, out.mismatch.find(' ', 6)) << " ..."
              << out.mismatch.substr(out.mismatch.find("}: ") + 1) << "\n";
  }
}

// numpy.quantile(sorted, q), default "linear" method, as numpy computes it (what our rung
// cutoff was before it followed Syne Tune's formula).
double numpy_quantile(const std::vector<double>& sorted, double q) {
  const double virt = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(virt));
  const double a = sorted[lo], b = sorted[std::min(lo + 1, sorted.size() - 1)], t = virt - std::floor(virt);
  return t >= 0.5 ? b - (b - a) * (1.0 - t) : a + (b - a) * t;
}

// The tie trace does test the rounding: some of its decisions differ between numpy's quantile
// and Syne Tune's formula, so its replay above fails with the former.
TEST(SyneTuneParityReplay, TieTraceHingesOnSyneTunesRounding) {
  const Json trace = load_trace("asha_stopping_tie");
  ASSERT_EQ(trace["scheduler"]["brackets"], 1);  // every result at a rung level is recorded there
  const auto levels = trace["scheduler"]["rung_levels"].get<std::vector<std::int64_t>>();
  const auto max_t = trace["max_t"].get<double>();
  const std::string metric = trace["metric"];
  std::map<std::int64_t, std::vector<double>> rungs;  // level -> values, sorted
  int hinges = 0;
  for (const auto& e : trace["events"]) {
    if (e["type"] != "result") continue;
    const auto epoch = e["epoch"].get<std::int64_t>();
    const auto k = std::find(levels.begin(), levels.end(), epoch);
    if (k == levels.end()) continue;
    const double x = e[metric].get<double>();
    auto& v = rungs[epoch];
    v.insert(std::upper_bound(v.begin(), v.end(), x), x);
    if (v.size() < 2) continue;
    const double q = static_cast<double>(epoch) / (k + 1 == levels.end() ? max_t : static_cast<double>(*(k + 1)));
    const bool st_continues = x <= rung_cutoff_sorted(v, q, Mode::kMin);
    EXPECT_EQ(st_continues, e["decision"] == "CONTINUE") << e.dump();
    hinges += st_continues != (x <= numpy_quantile(v, q));
  }
  EXPECT_GT(hinges, 0);
  std::cout << "[parity] asha_stopping_tie: numpy's quantile would change " << hinges << " of its rung decisions\n";
}

}  // namespace
}  // namespace synetune
