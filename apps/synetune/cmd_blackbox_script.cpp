// `synetune blackbox-script NAME --hp value ...`: serves a blackbox as a training script, so
// that a benchmark run on the local backend can be compared with the simulator.
#include <chrono>
#include <cmath>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "synetune/blackboxes/blackbox.hpp"
#include "synetune/checkpoint.hpp"
#include "synetune/core/error.hpp"
#include "synetune/reporter.hpp"

namespace synetune::cli {
namespace {

struct ScriptArgs {
  std::string name;
  double time_scale = 1.0;
  std::string max_resource_attr = "epochs";
  std::size_t seed = 0;
};

// Converts the text of `--hp value` to the hyperparameter's JSON type.
Json parse_value(const Hyperparameter& hp, const std::string& text) {
  if (const auto* c = std::get_if<CategoricalDomain>(&hp.domain)) {
    for (const auto& cat : c->categories) {
      if (cat.is_string() && cat.get<std::string>() == text) return cat;
      if (cat.is_boolean() && (text == (cat.get<bool>() ? "True" : "False") ||
                               text == (cat.get<bool>() ? "true" : "false")))
        return cat;
      if (cat.is_number()) {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end != text.c_str() && *end == '\0' && v == cat.get<double>()) return cat;
      }
    }
    throw InvalidArgument("blackbox-script: --" + hp.name + " " + text +
                          " is not one of its categories " + Json(c->categories).dump());
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0')
    throw InvalidArgument("blackbox-script: --" + hp.name + " needs a number, got '" + text + "'");
  if (std::holds_alternative<IntDomain>(hp.domain)) return static_cast<std::int64_t>(std::llround(v));
  return v;
}

int run(const ScriptArgs& a, const std::vector<std::string>& extras) {
  auto bb = load_blackbox(a.name);
  // Extras are `--key value` pairs (Syne Tune's command line) or `--key=value`.
  Json given = Json::object();
  for (std::size_t i = 0; i < extras.size(); ++i) {
    std::string k = extras[i];
    if (k.rfind("--", 0) != 0) continue;
    k = k.substr(2);
    std::string v;
    if (auto eq = k.find('='); eq != std::string::npos) {
      v = k.substr(eq + 1), k = k.substr(0, eq);
    } else if (i + 1 < extras.size()) {
      v = extras[++i];
    }
    given[k] = v;
  }
  Config config = Json::object();
  for (const auto& hp : bb->config_space().hyperparameters()) {
    if (!given.contains(hp.name))
      throw InvalidArgument("blackbox-script: missing --" + hp.name + " (benchmark '" + a.name +
                            "' needs every hyperparameter of its space)");
    config[hp.name] = parse_value(hp, given[hp.name].get<std::string>());
  }
  std::int64_t last = bb->max_resource();
  if (given.contains(a.max_resource_attr))
    last = std::min<std::int64_t>(last, std::stoll(given[a.max_resource_attr].get<std::string>()));
  std::optional<std::filesystem::path> ckpt;
  if (given.contains("st_checkpoint_dir")) ckpt = given["st_checkpoint_dir"].get<std::string>();
  const std::int64_t first = ckpt ? load_checkpoint_epoch(*ckpt) + 1 : 1;

  std::vector<double> scratch;
  const CurveView curve = bb->curve(config, a.seed, scratch);
  last = std::min<std::int64_t>(last, static_cast<std::int64_t>(curve.n_fidelities));
  const std::size_t ti = *bb->objective_index(bb->time_attr());
  const double base = first > 1 ? curve.at(static_cast<std::size_t>(first - 1), ti) : 0.0;
  Reporter report;
  double prev = 0;
  for (std::int64_t f = first; f <= last; ++f) {
    double elapsed = curve.at(static_cast<std::size_t>(f), ti) - base;
    if (!(elapsed > prev)) elapsed = prev + 0.01;  // as the simulator: strictly increasing
    std::this_thread::sleep_for(std::chrono::duration<double>((elapsed - prev) * a.time_scale));
    prev = elapsed;
    Json metrics = Json::object();
    metrics[bb->resource_attr()] = f;
    for (std::size_t o = 0; o < bb->objectives().size(); ++o)
      metrics[bb->objectives()[o].name] = o == ti ? elapsed : curve.at(static_cast<std::size_t>(f), o);
    if (ckpt) save_checkpoint(*ckpt, static_cast<int>(f), Json::object());
    report(metrics);
  }
  return 0;
}

}  // namespace

void register_blackbox_script(CLI::App& app) {
  auto a = std::make_shared<ScriptArgs>();
  CLI::App* cmd = app.add_subcommand(
      "blackbox-script",
      "Serve a benchmark as a training script: NAME --hp value ... [--epochs N]; sleeps the "
      "tabulated time x --time-scale per epoch and prints [tune-metric]: lines");
  cmd->allow_extras();
  cmd->add_option("name", a->name, "Benchmark name or table folder")->required();
  cmd->add_option("--time-scale", a->time_scale, "Real seconds slept per tabulated second")
      ->capture_default_str();
  cmd->add_option("--max-resource-attr", a->max_resource_attr,
                  "Config key that limits the epochs trained")->capture_default_str();
  cmd->add_option("--table-seed", a->seed, "Seed index of multi-seed tables")->capture_default_str();
  cmd->callback([a, cmd] {
    const int rc = run(*a, cmd->remaining());
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synetune::cli
