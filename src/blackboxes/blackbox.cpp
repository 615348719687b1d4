#include "synetune/blackboxes/blackbox.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "blackboxes/analytic_blackbox.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace fs = std::filesystem;

std::vector<std::int64_t> Blackbox::fidelity_values() const {
  std::vector<std::int64_t> out;
  for (std::int64_t f = 1; f <= max_resource(); ++f) out.push_back(f);
  return out;
}

std::optional<std::size_t> Blackbox::objective_index(const std::string& name) const {
  const auto& objs = objectives();
  for (std::size_t i = 0; i < objs.size(); ++i)
    if (objs[i].name == name) return i;
  return std::nullopt;
}

std::vector<std::size_t> Blackbox::seeds_for(std::size_t config_index) const {
  (void)config_index;
  std::vector<std::size_t> out(num_seeds());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

std::vector<double> Blackbox::evaluate(const Config& config, std::int64_t fidelity,
                                       std::size_t seed) const {
  if (fidelity < 1 || fidelity > max_resource())
    throw InvalidArgument("blackbox '" + name() + "': fidelity " + resource_attr() + "=" +
                          std::to_string(fidelity) + " is not in the table; valid values are 1.." +
                          std::to_string(max_resource()));
  std::vector<double> scratch;
  const CurveView c = curve(config, seed, scratch);
  if (static_cast<std::size_t>(fidelity) > c.n_fidelities)
    throw InvalidArgument("blackbox '" + name() + "': fidelity " + resource_attr() + "=" +
                          std::to_string(fidelity) + " is not in the table for this configuration "
                          "(its curve stops at " + std::to_string(c.n_fidelities) + ")");
  return {c.data + (fidelity - 1) * c.n_objectives, c.data + fidelity * c.n_objectives};
}

std::vector<double> Blackbox::evaluate(std::size_t config_index, std::int64_t fidelity,
                                       std::size_t seed) const {
  const auto& configs = configurations();
  if (config_index >= configs.size())
    throw InvalidArgument("blackbox '" + name() + "': configuration index " +
                          std::to_string(config_index) + " is out of range (the table has " +
                          std::to_string(configs.size()) + " configurations)");
  return evaluate(configs[config_index], fidelity, seed);
}

Json Blackbox::describe() const {
  Json objs = Json::array();
  for (const auto& o : objectives()) objs.push_back({{"name", o.name}, {"mode", to_string(o.mode)}});
  Json j = {{"name", name()},
            {"metric", default_metric()},
            {"mode", to_string(default_mode())},
            {"resource_attr", resource_attr()},
            {"max_resource", max_resource()},
            {"time_attr", time_attr()},
            {"time_is_modelled", time_is_modelled()},
            {"objectives", objs},
            {"num_configurations", configurations().size()},
            {"num_seeds", num_seeds()},
            {"config_space", config_space().to_json()}};
  const auto opt = optimum();
  j["optimum"] = opt ? Json(*opt) : Json(nullptr);
  return j;
}

// ---------------------------------------------------------------------------------------------
// Finding the bundled tables and the registry of names.

namespace {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

bool is_table_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "space.json", ec) && fs::is_regular_file(p / "configs.csv", ec);
}

bool has_tables(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (is_table_folder(e.path())) return true;
  return false;
}

}  // namespace

std::string benchmarks_dir() {
  if (const char* env = std::getenv("SYNETUNE_BENCHMARKS_DIR"); env && *env) return env;
  std::vector<fs::path> candidates;
  const fs::path exe = executable_dir();
  if (!exe.empty()) {
    candidates.push_back(exe / ".." / "benchmarks");
    candidates.push_back(exe / ".." / "share" / "synetune" / "benchmarks");
  }
  // Build trees live inside (or next to) the source tree: walk up looking for benchmarks/.
  for (fs::path start : {exe, fs::current_path()}) {
    for (fs::path p = start; !p.empty(); p = p.parent_path()) {
      candidates.push_back(p / "benchmarks");
      if (p == p.parent_path()) break;
    }
  }
  for (const auto& c : candidates)
    if (has_tables(c)) return fs::weakly_canonical(c).string();
  return {};
}

std::vector<std::string> list_blackboxes() {
  std::vector<std::string> out = analytic_blackbox_names();
  const std::string dir = benchmarks_dir();
  if (dir.empty()) return out;
  std::vector<std::string> tables;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (is_table_folder(e.path())) tables.push_back(e.path().filename().string());
  std::sort(tables.begin(), tables.end());
  out.insert(out.end(), tables.begin(), tables.end());
  return out;
}

std::shared_ptr<const Blackbox> load_blackbox(const std::string& name_or_folder) {
  std::shared_ptr<const Blackbox> bb = make_analytic_blackbox(name_or_folder);
  if (!bb) {
    fs::path folder;
    if (is_table_folder(name_or_folder)) {
      folder = name_or_folder;
    } else if (const std::string dir = benchmarks_dir();
               !dir.empty() && name_or_folder.find('/') == std::string::npos &&
               is_table_folder(fs::path(dir) / name_or_folder)) {
      folder = fs::path(dir) / name_or_folder;
    } else {
      std::string known;
      for (const auto& n : list_blackboxes()) known += (known.empty() ? "" : ", ") + n;
      throw InvalidArgument("unknown benchmark '" + name_or_folder +
                            "': not a built-in name and not a folder with space.json and "
                            "configs.csv; known names: " + known +
                            " (set SYNETUNE_BENCHMARKS_DIR to the folder of the tables)");
    }
    bb = load_tabulated_blackbox(folder.string());
  }
  return bb;
}

std::shared_ptr<const Blackbox> BlackboxCache::load(const std::string& name_or_folder) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = loaded_.find(name_or_folder); it != loaded_.end()) return it->second;
  }
  // Loaded without the lock: a large table takes seconds, and other names need not wait.
  std::shared_ptr<const Blackbox> bb = load_blackbox(name_or_folder);
  std::lock_guard<std::mutex> lock(mutex_);
  return loaded_.emplace(name_or_folder, std::move(bb)).first->second;
}

}  // namespace synetune
