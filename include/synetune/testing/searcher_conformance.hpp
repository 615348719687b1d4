#pragma once
/// Conformance suite for Searcher implementations (style rule 32).
///
/// Usage, in exactly one .cpp file of a GoogleTest binary (the suite's tests are defined
/// here, so a second inclusion in the same binary would define them twice):
///
///     #include "synetune/testing/searcher_conformance.hpp"
///     using synetune::testing::SearcherFactory;
///     SearcherFactory mine() {
///       SearcherFactory f;
///       f.name = "Mine";
///       f.make = [](const ConfigSpace& space, std::uint64_t seed) {
///         return std::make_unique<MySearcher>(space, Rng(seed));
///       };
///       return f;
///     }
///     INSTANTIATE_TEST_SUITE_P(My, SearcherConformance, ::testing::Values(mine()),
///                              synetune::testing::SearcherFactory::test_name);
///
/// Contract (each a check function below, usable without GoogleTest):
///  - every suggestion lies inside the space: each hyperparameter within its domain with the
///    right JSON type, no other keys, and constants untouched;
///  - suggest() works on an empty history and with pending trials only;
///  - the same seed gives the same sequence; a different seed a different one (randomized);
///  - load_state(save_state()) mid-run, into a searcher built with another seed, continues
///    exactly as the uninterrupted run (the state goes through its JSON text, as checkpoints do);
///  - failed trials are excluded from the model (observation count, where the factory can read
///    it) and never suggested again when the searcher de-duplicates;
///  - no duplicate suggestions when de-duplication is on;
///  - on a finite space, suggest() returns nullopt once it is exhausted (where promised).
///
/// The fabricated protocol: trial i is suggested, added, then either fails (on_trial_error)
/// or reports `resource_levels` results (on_trial_result) and completes (on_trial_complete
/// with the last). The metric is a smooth function of the encoded config.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/searchers/searcher.hpp"
#include "synetune/space/config_space.hpp"
#include "synetune/testing/conformance.hpp"

namespace synetune::testing {

/// Minimizes "loss", resource "epoch".
inline ProblemSpec loss_problem() {
  ProblemSpec p;
  p.metric = "loss";
  return p;
}

/// How to build the searcher under test, and which optional promises it makes.
struct SearcherFactory {
  /// Test-name suffix: letters and digits only.
  std::string name;
  /// Builds a searcher on `space` seeded by `seed`; called many times per test.
  std::function<std::unique_ptr<Searcher>(const ConfigSpace& space, std::uint64_t seed)> make;
  /// The space suggested from (conformance_space() has every domain kind and constants).
  ConfigSpace space = conformance_space();
  /// metric / mode / resource_attr of the fabricated results.
  ProblemSpec problem = loss_problem();
  /// Resource levels reported before completion (multi-fidelity searchers: several).
  std::vector<std::int64_t> resource_levels = {1};
  /// Adds further metrics a searcher needs (a constraint, a cost) to a fabricated result.
  std::function<void(Result&, const Config&)> extra_metrics;
  /// Suggestions per run (model-based searchers are slow: keep it small).
  int num_suggestions = 12;
  /// Different seeds give different sequences.
  bool randomized = true;
  /// Never suggests a config twice (by ConfigSpace::match_string).
  bool deduplicates = true;
  /// On finite_conformance_space(), suggest() returns nullopt after exactly its cardinality.
  bool exhausts_finite_space = false;
  /// Observations in the searcher's model (optional): failed trials must not count.
  std::function<std::size_t(const Searcher&)> num_observations;
  /// Results a trial reported before it failed stay in the model (Syne Tune's multi-fidelity
  /// searchers keep a failed trial's evaluations; only the failure itself adds nothing).
  bool keeps_results_of_failed_trials = false;

  /// For INSTANTIATE_TEST_SUITE_P's name generator argument.
  static std::string test_name(const ::testing::TestParamInfo<SearcherFactory>& info) { return info.param.name; }
  /// GoogleTest prints the name instead of the object's bytes.
  friend void PrintTo(const SearcherFactory& f, std::ostream* os) { *os << f.name; }
};

/// Drives a searcher through the fabricated protocol (see the file comment).
class SearcherProtocol {
 public:
  SearcherProtocol(const SearcherFactory& f, const ConfigSpace& space)
      : f_(&f), encoder_(space) {}
  /// Trials [first, first + n): suggestions in order; stops at the first nullopt (recorded
  /// as null). Trials with `fails(id)` fail instead of reporting.
  std::vector<Json> run(Searcher& s, TrialId first, int n, const std::function<bool(TrialId)>& fails = {}) const {
    std::vector<Json> out;
    for (TrialId id = first; id < first + n; ++id) {
      const auto c = s.suggest(id);
      if (!c) {
        out.emplace_back(nullptr);
        break;
      }
      out.push_back(*c);
      s.on_trial_add(id, *c);
      if (fails && fails(id)) {
        report(s, id, *c, 1, 1);  // a result, then the failure: the result must not count
        s.on_trial_error(id);
        continue;
      }
      for (std::size_t k = 0; k < f_->resource_levels.size(); ++k)
        report(s, id, *c, f_->resource_levels[k], k + 1 == f_->resource_levels.size() ? 2 : 1);
    }
    return out;
  }
  /// Smooth objective of the encoded config, improving with the resource level.
  double objective(const Config& c, std::int64_t level) const {
    double v = 1.0 / static_cast<double>(level);
    // A config outside the space cannot be encoded; the in-space check reports it.
    if (check_config_in_space(encoder_.space(), c)) return v + 10.0;
    for (double x : encoder_.encode(c)) v += (x - 0.3) * (x - 0.3);
    return v;
  }

 private:
  // kind: 1 = intermediate result, 2 = last result (completion follows). Every result goes
  // to on_trial_result first, as the tuner does.
  void report(Searcher& s, TrialId id, const Config& c, std::int64_t level, int kind) const {
    Result r;
    r.trial_id = id;
    r.set(f_->problem.metric, objective(c, level));
    r.set(f_->problem.resource_attr, static_cast<double>(level));
    if (f_->extra_metrics) f_->extra_metrics(r, c);
    s.on_trial_result(id, c, r);
    if (kind == 2) s.on_trial_complete(id, c, r);
  }
  const SearcherFactory* f_;
  ConfigEncoder encoder_;
};

namespace conformance_detail {
inline std::string seq_text(const std::vector<Json>& seq) {
  std::string s;
  for (const auto& c : seq) s += c.dump() + "\n";
  return s;
}
inline bool every_fifth(TrialId id) { return id % 5 == 3; }
}  // namespace conformance_detail

/// Suggestions (trials failing now and then) lie inside the space, constants included.
inline Failure check_searcher_suggestions_in_space(const SearcherFactory& f, std::uint64_t seed = 1) {
  auto s = f.make(f.space, seed);
  const auto seq = SearcherProtocol(f, f.space).run(*s, 0, f.num_suggestions, conformance_detail::every_fifth);
  for (std::size_t i = 0; i < seq.size(); ++i) {
    if (seq[i].is_null()) return "suggest() returned nullopt at trial " + std::to_string(i) + " of an infinite space";
    if (auto why = check_config_in_space(f.space, seq[i])) return "trial " + std::to_string(i) + ": " + *why;
  }
  return std::nullopt;
}

/// Every suggestion carries each constant of the space, unchanged (value and type).
inline Failure check_searcher_constants_untouched(const SearcherFactory& f, std::uint64_t seed = 2) {
  auto s = f.make(f.space, seed);
  const auto seq = SearcherProtocol(f, f.space).run(*s, 0, f.num_suggestions);
  for (const auto& c : seq)
    for (const auto& hp : f.space.hyperparameters()) {
      if (!hp.is_constant() || c.is_null()) continue;
      if (!c.contains(hp.name)) return "constant '" + hp.name + "' missing in " + c.dump();
      if (auto why = check_value_in_domain(hp, c.at(hp.name))) return *why;
    }
  return std::nullopt;
}

/// A fresh searcher suggests without any history, and again with only pending trials.
inline Failure check_searcher_empty_history(const SearcherFactory& f, std::uint64_t seed = 3) {
  auto s = f.make(f.space, seed);
  for (TrialId id = 0; id < 4; ++id) {
    const auto c = s->suggest(id);
    if (!c) return "suggest(" + std::to_string(id) + ") returned nullopt with " + std::to_string(id) + " pending trials and no result";
    if (auto why = check_config_in_space(f.space, *c)) return *why;
    s->on_trial_add(id, *c);
  }
  return std::nullopt;
}

/// Two searchers with the same seed, told the same, suggest the same sequence.
inline Failure check_searcher_same_seed(const SearcherFactory& f, std::uint64_t seed = 4) {
  const SearcherProtocol p(f, f.space);
  auto a = f.make(f.space, seed), b = f.make(f.space, seed);
  const auto sa = p.run(*a, 0, f.num_suggestions, conformance_detail::every_fifth);
  const auto sb = p.run(*b, 0, f.num_suggestions, conformance_detail::every_fifth);
  if (sa != sb) return "same seed, different sequences:\n" + conformance_detail::seq_text(sa) + "vs\n" + conformance_detail::seq_text(sb);
  return std::nullopt;
}

/// Different seeds give different sequences (randomized searchers).
inline Failure check_searcher_different_seed(const SearcherFactory& f) {
  const SearcherProtocol p(f, f.space);
  auto a = f.make(f.space, 5), b = f.make(f.space, 6);
  const auto sa = p.run(*a, 0, f.num_suggestions), sb = p.run(*b, 0, f.num_suggestions);
  if (sa == sb) return "seeds 5 and 6 gave the same sequence:\n" + conformance_detail::seq_text(sa);
  return std::nullopt;
}

/// save_state mid-run, through its JSON text, loaded into a searcher built with another seed:
/// the rest of the run equals the uninterrupted run's.
inline Failure check_searcher_save_load(const SearcherFactory& f, std::uint64_t seed = 7) {
  const SearcherProtocol p(f, f.space);
  const int n = f.num_suggestions, split = n / 2;
  auto full = f.make(f.space, seed);
  const auto whole = p.run(*full, 0, n, conformance_detail::every_fifth);
  auto part = f.make(f.space, seed);
  p.run(*part, 0, split, conformance_detail::every_fifth);
  const Json state = parse_json_lenient(dump_json_python(part->save_state()));
  auto restored = f.make(f.space, seed + 1000);
  restored->load_state(state);
  const auto rest = p.run(*restored, split, n - split, conformance_detail::every_fifth);
  const std::vector<Json> expected(whole.begin() + std::min<std::ptrdiff_t>(split, std::ssize(whole)), whole.end());
  if (rest != expected)
    return "after load_state at trial " + std::to_string(split) + ":\n" + conformance_detail::seq_text(rest) +
           "uninterrupted:\n" + conformance_detail::seq_text(expected);
  return std::nullopt;
}

/// Failed trials (which reported one intermediate result first) are not observations (that
/// result is, if keeps_results_of_failed_trials), and a
/// de-duplicating searcher never suggests a failed trial's config again (finite space, every
/// other trial failing, until exhausted).
inline Failure check_searcher_failed_trials_excluded(const SearcherFactory& f, std::uint64_t seed = 8) {
  if (f.num_observations) {
    auto s = f.make(f.space, seed);
    const auto seq = SearcherProtocol(f, f.space).run(*s, 0, f.num_suggestions, conformance_detail::every_fifth);
    std::size_t ok = 0, failed = 0;
    for (TrialId id = 0; id < std::ssize(seq) && !seq[static_cast<std::size_t>(id)].is_null(); ++id)
      ++(conformance_detail::every_fifth(id) ? failed : ok);
    const std::size_t expected = ok * f.resource_levels.size() + (f.keeps_results_of_failed_trials ? failed : 0);
    if (f.num_observations(*s) != expected)
      return std::to_string(f.num_observations(*s)) + " observations after " + std::to_string(ok) + " successful trials x " +
             std::to_string(f.resource_levels.size()) + " levels and " + std::to_string(failed) +
             " failed trials with one result each (expected " + std::to_string(expected) + ")";
  }
  if (!f.deduplicates) return std::nullopt;
  const ConfigSpace fs = finite_conformance_space();
  auto s = f.make(fs, seed);
  const auto seq = SearcherProtocol(f, fs).run(*s, 0, 2 * static_cast<int>(*fs.cardinality()), [](TrialId id) { return id % 2 == 0; });
  std::set<std::string> seen;
  for (std::size_t i = 0; i < seq.size() && !seq[i].is_null(); ++i)
    if (!seen.insert(fs.match_string(seq[i])).second)
      return "config " + seq[i].dump() + " suggested again at trial " + std::to_string(i) + " (failed trials stay excluded)";
  return std::nullopt;
}

/// No config is suggested twice, on the main space and on a finite one until it runs out.
inline Failure check_searcher_no_duplicates(const SearcherFactory& f, std::uint64_t seed = 9) {
  const ConfigSpace fs = finite_conformance_space();
  for (const ConfigSpace* space : {&f.space, &fs}) {
    auto s = f.make(*space, seed);
    const int n = space == &fs ? static_cast<int>(*fs.cardinality()) : f.num_suggestions;
    const auto seq = SearcherProtocol(f, *space).run(*s, 0, n);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < seq.size() && !seq[i].is_null(); ++i)
      if (!seen.insert(space->match_string(seq[i])).second)
        return "duplicate suggestion " + seq[i].dump() + " at trial " + std::to_string(i);
  }
  return std::nullopt;
}

/// On the finite space: exactly cardinality suggestions, then nullopt (and nullopt again).
inline Failure check_searcher_exhaustion(const SearcherFactory& f, std::uint64_t seed = 10) {
  const ConfigSpace fs = finite_conformance_space();
  const auto n = static_cast<TrialId>(*fs.cardinality());
  auto s = f.make(fs, seed);
  const auto seq = SearcherProtocol(f, fs).run(*s, 0, static_cast<int>(n));
  for (std::size_t i = 0; i < seq.size(); ++i)
    if (seq[i].is_null()) return "nullopt after " + std::to_string(i) + " of " + std::to_string(n) + " configs";
  for (TrialId id = n; id < n + 2; ++id)
    if (const auto c = s->suggest(id)) return "suggestion " + c->dump() + " after the space of " + std::to_string(n) + " was exhausted";
  return std::nullopt;
}

class SearcherConformance : public ::testing::TestWithParam<SearcherFactory> {};

TEST_P(SearcherConformance, SuggestionsInsideSpace) { SYNETUNE_EXPECT_CONFORMS(check_searcher_suggestions_in_space(GetParam())); }
TEST_P(SearcherConformance, ConstantsUntouched) { SYNETUNE_EXPECT_CONFORMS(check_searcher_constants_untouched(GetParam())); }
TEST_P(SearcherConformance, EmptyHistoryWorks) { SYNETUNE_EXPECT_CONFORMS(check_searcher_empty_history(GetParam())); }
TEST_P(SearcherConformance, SameSeedSameSequence) { SYNETUNE_EXPECT_CONFORMS(check_searcher_same_seed(GetParam())); }
TEST_P(SearcherConformance, DifferentSeedDifferentSequence) {
  if (!GetParam().randomized) GTEST_SKIP() << GetParam().name << " is deterministic";
  SYNETUNE_EXPECT_CONFORMS(check_searcher_different_seed(GetParam()));
}
TEST_P(SearcherConformance, SaveLoadMidRunContinuesIdentically) { SYNETUNE_EXPECT_CONFORMS(check_searcher_save_load(GetParam())); }
TEST_P(SearcherConformance, FailedTrialsExcluded) { SYNETUNE_EXPECT_CONFORMS(check_searcher_failed_trials_excluded(GetParam())); }
TEST_P(SearcherConformance, NoDuplicatesWhenDeduplicating) {
  if (!GetParam().deduplicates) GTEST_SKIP() << GetParam().name << " allows duplicates";
  SYNETUNE_EXPECT_CONFORMS(check_searcher_no_duplicates(GetParam()));
}
TEST_P(SearcherConformance, ExhaustionReturnsNullopt) {
  if (!GetParam().exhausts_finite_space) GTEST_SKIP() << GetParam().name << " does not promise exhaustion";
  SYNETUNE_EXPECT_CONFORMS(check_searcher_exhaustion(GetParam()));
}

}  // namespace synetune::testing
