#pragma once
/// Blackbox: a benchmark whose objectives can be looked up instead of trained (Syne Tune's
/// blackbox repository). Tabulated blackboxes hold learning curves of a finite list of
/// configurations; analytic ones compute objectives from a formula. The SimulatorBackend
/// replays them on a virtual clock.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/types.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

struct ObjectiveInfo {
  std::string name;
  Mode mode = Mode::kMin;
};

/// Read-only learning curve of one (configuration, seed): row f-1 holds the objectives at
/// fidelity f (in `objectives()` order). Curves of crashed runs have fewer rows than
/// `max_resource()`. Valid as long as the blackbox (or the scratch buffer passed to
/// `Blackbox::curve`) lives.
struct CurveView {
  const double* data = nullptr;
  std::size_t n_fidelities = 0;
  std::size_t n_objectives = 0;
  double at(std::size_t fidelity, std::size_t objective) const {
    return data[(fidelity - 1) * n_objectives + objective];
  }
};

class Blackbox {
 public:
  virtual ~Blackbox() = default;

  /// Short name (`sklearn_mlp_digits`, `branin`, ...).
  virtual const std::string& name() const = 0;
  virtual const ConfigSpace& config_space() const = 0;

  /// Name of the fidelity / resource attribute reported with every result (e.g. `epoch`).
  virtual const std::string& resource_attr() const = 0;
  /// Largest fidelity; fidelities are 1..max_resource() (single-fidelity blackboxes: 1).
  virtual std::int64_t max_resource() const = 0;
  std::vector<std::int64_t> fidelity_values() const;

  /// Objective columns, the time attribute included, in the order of `evaluate` / curves.
  virtual const std::vector<ObjectiveInfo>& objectives() const = 0;
  /// Index of `name` in objectives(), nullopt if absent.
  std::optional<std::size_t> objective_index(const std::string& name) const;
  /// Worst value of the default metric at max_resource(), if known (for normalized regret).
  virtual std::optional<double> worst() const { return std::nullopt; }
  virtual const std::string& default_metric() const = 0;
  virtual Mode default_mode() const = 0;
  /// Objective holding cumulative elapsed seconds up to a fidelity. Always present: for
  /// tables without a time column it is synthesized by a cost model (see time_is_modelled).
  virtual const std::string& time_attr() const = 0;
  /// True when time_attr() comes from a cost model instead of measurements.
  virtual bool time_is_modelled() const = 0;
  /// Best value of the default metric at max_resource(), if known (tabulated: best in the
  /// table; analytic: the known global optimum). Used for normalized regret.
  virtual std::optional<double> optimum() const = 0;

  /// Finite configuration list of a tabulated blackbox (empty if the space is continuous).
  /// Configs carry the config space's keys only, inactive conditional values filled with the
  /// domain's lower bound.
  virtual const std::vector<Config>& configurations() const = 0;
  /// The same list, shared (null if empty): handed to searchers without a copy. Valid after
  /// the blackbox is gone.
  virtual std::shared_ptr<const std::vector<Config>> shared_configurations() const = 0;
  /// True when every configuration is already what config_space().postprocess makes of it,
  /// types included (checked when a table is loaded).
  virtual bool configurations_canonical() const { return false; }
  bool is_tabulated() const { return !configurations().empty(); }
  /// Seeds with data (1 for single-seed tables and analytic functions).
  virtual std::size_t num_seeds() const = 0;
  /// Seed indices with data for the configuration (tables may miss runs). Analytic: all.
  virtual std::vector<std::size_t> seeds_for(std::size_t config_index) const;

  /// Row of `config` in configurations(): exact match on the hyperparameters of the space
  /// (extra keys such as max_resource_attr ignored), else nearest neighbour (1-NN on
  /// normalized values, like Syne Tune's surrogate with n_neighbors=1). Analytic: nullopt.
  virtual std::optional<std::size_t> config_index(const Config& config) const = 0;

  /// Learning curve of `config` for seed index `seed` (wrapped modulo num_seeds()).
  /// Tabulated blackboxes return a view into their table and ignore `scratch`; analytic ones
  /// fill `scratch` and return a view into it.
  virtual CurveView curve(const Config& config, std::size_t seed,
                          std::vector<double>& scratch) const = 0;
  /// Curve of row `config_index` of configurations() for seed index `seed` (tabulated only;
  /// an empty view otherwise). The fast path of the simulator.
  virtual CurveView curve_at(std::size_t config_index, std::size_t seed) const {
    (void)config_index, (void)seed;
    return {};
  }
  /// Objectives of `config` at `fidelity` for seed index `seed`. Throws InvalidArgument naming
  /// the fidelity if it is outside 1..max_resource() or beyond the (truncated) curve.
  std::vector<double> evaluate(const Config& config, std::int64_t fidelity,
                               std::size_t seed = 0) const;
  /// Same for a row of configurations().
  std::vector<double> evaluate(std::size_t config_index, std::int64_t fidelity,
                               std::size_t seed = 0) const;

  /// Summary for `synetune benchmark --list` and metadata.json.
  Json describe() const;
};

/// A table loaded from a folder (configs.csv, curves.csv[.gz], space.json, meta.json).
/// `seconds_per_fidelity` is the cost model used when space.json has no `time_attr`
/// (cumulative time = fidelity x seconds_per_fidelity; space.json key `seconds_per_fidelity`
/// overrides the default of 1 s).
std::shared_ptr<const Blackbox> load_tabulated_blackbox(const std::string& folder);

/// A built-in name (bundled tables under the benchmarks folder, `branin`, `hartmann3`,
/// `hartmann6`, `synthetic_lc`, `synthetic_lc_tab`) or the path of a folder in the tabulated
/// format. Throws InvalidArgument listing the known names otherwise. Loads it every time: a
/// caller that loads the same names again (many runs on one table) holds a BlackboxCache.
std::shared_ptr<const Blackbox> load_blackbox(const std::string& name_or_folder);

/// Blackboxes loaded by name, kept for whoever holds this object (the benchmark runner holds
/// one per run_benchmark call), so that loading a name again is cheap and shares the table's
/// memory. Not process-wide: two owners never see each other's tables. Thread-safe.
class BlackboxCache {
 public:
  /// load_blackbox(name_or_folder), loaded on the first call for that name only. Two threads
  /// asking for a new name at once may both load it; both get the table that was kept.
  std::shared_ptr<const Blackbox> load(const std::string& name_or_folder);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Blackbox>> loaded_;
};

/// Known built-in names: analytic ones first, then the tables found in the benchmarks folder.
std::vector<std::string> list_blackboxes();

/// Folder holding the bundled tables: $SYNETUNE_BENCHMARKS_DIR, else `../benchmarks` and
/// `../share/synetune/benchmarks` next to the executable, else `<source dir>/benchmarks`
/// found by walking up from the executable and the working directory. Empty if none exists.
std::string benchmarks_dir();

}  // namespace synetune
