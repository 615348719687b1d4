#pragma once
// Blackboxes defined by a formula: Branin / Hartmann (single fidelity, constant cost) and a
// synthetic multi-fidelity learning-curve family with a known optimum.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "synetune/blackboxes/blackbox.hpp"

namespace synetune {

/// A blackbox whose curve is computed by `fill(config, seed, out)`, out sized
/// max_resource x objectives.
class FunctionBlackbox final : public Blackbox {
 public:
  using Fill = std::function<void(const Config&, std::size_t seed, double* out)>;
  FunctionBlackbox(std::string name, ConfigSpace space, std::string resource_attr,
                   std::int64_t max_resource, std::vector<ObjectiveInfo> objectives,
                   std::string time_attr, std::optional<double> optimum, Fill fill);

  const std::string& name() const override { return name_; }
  const ConfigSpace& config_space() const override { return space_; }
  const std::string& resource_attr() const override { return resource_attr_; }
  std::int64_t max_resource() const override { return max_resource_; }
  const std::vector<ObjectiveInfo>& objectives() const override { return objectives_; }
  const std::string& default_metric() const override { return objectives_.front().name; }
  Mode default_mode() const override { return objectives_.front().mode; }
  const std::string& time_attr() const override { return time_attr_; }
  bool time_is_modelled() const override { return true; }
  std::optional<double> optimum() const override { return optimum_; }
  const std::vector<Config>& configurations() const override { return no_configs_; }
  std::shared_ptr<const std::vector<Config>> shared_configurations() const override { return nullptr; }
  std::size_t num_seeds() const override { return 1; }
  std::optional<std::size_t> config_index(const Config&) const override { return std::nullopt; }
  CurveView curve(const Config& config, std::size_t seed,
                  std::vector<double>& scratch) const override;

 private:
  std::string name_;
  ConfigSpace space_;
  std::string resource_attr_;
  std::int64_t max_resource_;
  std::vector<ObjectiveInfo> objectives_;
  std::string time_attr_;
  std::optional<double> optimum_;
  Fill fill_;
  std::vector<Config> no_configs_;
};

/// Names of the built-in analytic blackboxes.
std::vector<std::string> analytic_blackbox_names();
/// The analytic blackbox `name`, or nullptr if it is not one.
std::shared_ptr<const Blackbox> make_analytic_blackbox(const std::string& name);

/// Synthetic learning curve: valid_error(x, r) = g(x) + b(x) (R/r - 1)/(R - 1), so that the
/// value at r = R is g(x), whose minimum 0.1 is reached at x1=0.3, x2=0.7, lr=10^-1.5.
/// Epochs cost 0.5 + 1.5 x2 seconds. Exposed for tests.
double synthetic_lc_value(double x1, double x2, double lr, double r, double max_r);

}  // namespace synetune
