#include "blackboxes/analytic_blackbox.hpp"

#include <cmath>
#include <numbers>

#include "blackboxes/tabulated_blackbox.hpp"
#include "synetune/blackboxes/analytic_functions.hpp"
#include "synetune/core/error.hpp"
#include "synetune/core/rng.hpp"

namespace synetune {
namespace {

constexpr std::int64_t kSyntheticMaxR = 81;     // 3^4: full Hyperband brackets for eta=3
constexpr std::size_t kSyntheticTabSize = 2048;  // a "1,000+ config" table for benchmarks

double num(const Config& c, const char* key) { return c.at(key).get<double>(); }

double synthetic_cost_per_epoch(double x2) { return 0.5 + 1.5 * x2; }

ConfigSpace synthetic_space() {
  ConfigSpace s;
  s.add("x1", uniform(0.0, 1.0));
  s.add("x2", uniform(0.0, 1.0));
  s.add("lr", loguniform(1e-3, 1.0));
  return s;
}

void synthetic_fill(const Config& c, double* out) {
  const double x1 = num(c, "x1"), x2 = num(c, "x2"), lr = num(c, "lr");
  const double cost = synthetic_cost_per_epoch(x2);
  for (std::int64_t r = 1; r <= kSyntheticMaxR; ++r) {
    out[(r - 1) * 2] = synthetic_lc_value(x1, x2, lr, static_cast<double>(r), kSyntheticMaxR);
    out[(r - 1) * 2 + 1] = cost * static_cast<double>(r);
  }
}

std::shared_ptr<const Blackbox> make_synthetic_lc() {
  return std::make_shared<FunctionBlackbox>(
      "synthetic_lc", synthetic_space(), "epoch", kSyntheticMaxR,
      std::vector<ObjectiveInfo>{{"valid_error", Mode::kMin}, {"elapsed_time", Mode::kMin}},
      "elapsed_time", 0.1,
      [](const Config& c, std::size_t, double* out) { synthetic_fill(c, out); });
}

// The same family tabulated on a fixed random sample, so that table code paths (restricted
// configurations, config lookup) can be exercised at scale.
std::shared_ptr<const Blackbox> make_synthetic_lc_tab() {
  TableData d;
  d.name = "synthetic_lc_tab";
  d.hps = {parse_table_hp("x1", {{"type", "uniform"}, {"lower", 0.0}, {"upper", 1.0}}),
           parse_table_hp("x2", {{"type", "uniform"}, {"lower", 0.0}, {"upper", 1.0}}),
           parse_table_hp("lr", {{"type", "loguniform"}, {"lower", 1e-3}, {"upper", 1.0}})};
  d.resource_attr = "epoch";
  d.max_resource = kSyntheticMaxR;
  d.objectives = {{"valid_error", Mode::kMin}, {"elapsed_time", Mode::kMin}};
  d.metric = "valid_error";
  d.time_attr = "elapsed_time";
  d.time_is_modelled = true;
  Rng rng(derive_seed(0, "synthetic_lc_tab"));
  const ConfigSpace space = synthetic_space();
  d.values.resize(kSyntheticTabSize * kSyntheticMaxR * 2);
  d.lengths.assign(kSyntheticTabSize, kSyntheticMaxR);
  for (std::size_t i = 0; i < kSyntheticTabSize; ++i) {
    d.configs.push_back(space.sample(rng));
    synthetic_fill(d.configs.back(), d.values.data() + i * kSyntheticMaxR * 2);
  }
  return std::make_shared<TabulatedBlackbox>(std::move(d));
}

// Single-fidelity wrapper of a test function: inputs x0..x{d-1}, metric `y` (min), cost model
// of 1 simulated second per evaluation.
std::shared_ptr<const Blackbox> make_function(const std::string& name, const AnalyticFunction& f) {
  ConfigSpace space;
  for (std::size_t i = 0; i < f.dimension(); ++i)
    space.add("x" + std::to_string(i), uniform(f.bounds[i].first, f.bounds[i].second));
  const std::size_t d = f.dimension();
  auto eval = f.evaluate;
  return std::make_shared<FunctionBlackbox>(
      name, std::move(space), "epoch", 1,
      std::vector<ObjectiveInfo>{{"y", Mode::kMin}, {"elapsed_time", Mode::kMin}}, "elapsed_time",
      f.optimum_value, [d, eval](const Config& c, std::size_t, double* out) {
        std::vector<double> x(d);
        for (std::size_t i = 0; i < d; ++i) x[i] = c.at("x" + std::to_string(i)).get<double>();
        out[0] = eval(x);
        out[1] = 1.0;
      });
}

}  // namespace

double synthetic_lc_value(double x1, double x2, double lr, double r, double max_r) {
  const double t = (std::log10(lr) + 1.5) / 1.5;  // 0 at the best learning rate
  const double g = 0.1 + 0.4 * ((x1 - 0.3) * (x1 - 0.3) + (x2 - 0.7) * (x2 - 0.7)) +
                   0.05 * (1.0 - std::cos(6.0 * std::numbers::pi * (x1 - 0.3))) + 0.2 * t * t;
  // Small learning rates converge slowly, so early rungs mislead (curves cross).
  const double slow = 1.0 - (std::log10(lr) + 3.0) / 3.0;
  const double b = 0.1 + 0.6 * slow * (0.5 + 0.5 * x2);
  return g + b * (max_r / r - 1.0) / (max_r - 1.0);
}

FunctionBlackbox::FunctionBlackbox(std::string name, ConfigSpace space, std::string resource_attr,
                                   std::int64_t max_resource, std::vector<ObjectiveInfo> objectives,
                                   std::string time_attr, std::optional<double> optimum, Fill fill)
    : name_(std::move(name)),
      space_(std::move(space)),
      resource_attr_(std::move(resource_attr)),
      max_resource_(max_resource),
      objectives_(std::move(objectives)),
      time_attr_(std::move(time_attr)),
      optimum_(optimum),
      fill_(std::move(fill)) {}

CurveView FunctionBlackbox::curve(const Config& config, std::size_t seed,
                                  std::vector<double>& scratch) const {
  for (const auto& hp : space_.hyperparameters())
    if (!config.contains(hp.name) || !config[hp.name].is_number())
      throw InvalidArgument("blackbox '" + name_ + "': the config has no numeric value for '" +
                            hp.name + "'; pass every hyperparameter of its config space");
  scratch.resize(static_cast<std::size_t>(max_resource_) * objectives_.size());
  fill_(config, seed, scratch.data());
  return {scratch.data(), static_cast<std::size_t>(max_resource_), objectives_.size()};
}

std::vector<std::string> analytic_blackbox_names() {
  return {"branin", "hartmann3", "hartmann6", "synthetic_lc", "synthetic_lc_tab"};
}

std::shared_ptr<const Blackbox> make_analytic_blackbox(const std::string& name) {
  if (name == "branin") return make_function(name, branin_function());
  if (name == "hartmann3") return make_function(name, hartmann3_function());
  if (name == "hartmann6") return make_function(name, hartmann6_function());
  if (name == "synthetic_lc") return make_synthetic_lc();
  if (name == "synthetic_lc_tab") return make_synthetic_lc_tab();
  return nullptr;
}

}  // namespace synetune
