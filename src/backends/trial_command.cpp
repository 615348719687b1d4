#include "synetune/backends/trial_command.hpp"

#include <sys/wait.h>

#include <optional>
#include <sstream>

#include "backends/local/process.hpp"
#include "synetune/core/error.hpp"
#include "synetune/reporter.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

// Sets or replaces `key` in a "K=V" list.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  const std::string prefix = key + "=";
  for (auto& e : env)
    if (e.compare(0, prefix.size(), prefix) == 0) {
      e = prefix + value;
      return;
    }
  env.push_back(prefix + value);
}

std::optional<std::string> get_env(const std::vector<std::string>& env, const std::string& key) {
  const std::string prefix = key + "=";
  for (const auto& e : env)
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  return std::nullopt;
}

// Absolute and without `..`, so that the same folder written two ways compares equal.
std::string normalized(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? p.string() : c.lexically_normal().string();
}

std::vector<std::string> trial_argv(const TrialCommandOptions& o, const Config& config,
                                    const fs::path& trial_dir) {
  std::vector<std::string> argv;
  std::string entry = o.entry_point.string();
  if (o.entry_point.extension() == ".py") {
    argv.push_back(o.python);
  } else if (entry.find('/') == std::string::npos) {
    entry = "./" + entry;  // run the file itself, never a PATH namesake
  }
  argv.push_back(entry);
  argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
  if (config.is_object())
    for (auto it = config.begin(); it != config.end(); ++it) {
      if (it.key() == "st_checkpoint_dir") continue;
      argv.push_back("--" + it.key());
      argv.push_back(format_cli_value(it.value()));
    }
  argv.push_back("--st_checkpoint_dir");
  argv.push_back((trial_dir / "checkpoints").string());
  return argv;
}

}  // namespace

std::string format_cli_value(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::null:
      return "None";
    case Json::value_t::number_float:
      return python_float_repr(value.get<double>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return value.dump();
    default:  // lists and objects: compact JSON, one argv element (Syne Tune's repr breaks)
      return dump_json_python(value);
  }
}

TrialCommand make_trial_command(const TrialCommandOptions& options, const Config& config,
                                const fs::path& trial_dir, const std::vector<int>& cuda_visible_devices) {
  TrialCommand cmd;
  cmd.argv = trial_argv(options, config, trial_dir);
  cmd.working_dir = options.working_dir;
  // Read at every launch rather than once: what the tuner's environment holds when the trial
  // starts is what the trial inherits, as with a plain fork/exec.
  cmd.env = local::current_environment();
  if (!get_env(cmd.env, "OMP_NUM_THREADS")) set_env(cmd.env, "OMP_NUM_THREADS", "1");
  for (const auto& [k, v] : options.extra_env) set_env(cmd.env, k, v);
  if (!options.python_package_dir.empty()) {
    const std::string ours = normalized(options.python_package_dir);
    const std::string old = get_env(cmd.env, "PYTHONPATH").value_or("");
    set_env(cmd.env, "PYTHONPATH", old.empty() ? ours : ours + ":" + old);
  }
  if (!cuda_visible_devices.empty()) {
    std::string list;
    for (int g : cuda_visible_devices) list += (list.empty() ? "" : ",") + std::to_string(g);
    set_env(cmd.env, "CUDA_VISIBLE_DEVICES", list);  // after extra_env: the rotation decides
  }
  return cmd;
}

void validate_trial_command_options(const TrialCommandOptions& options, const std::string& backend_name) {
  const fs::path entry = options.entry_point.is_relative() && !options.working_dir.empty()
                             ? options.working_dir / options.entry_point
                             : options.entry_point;
  if (options.entry_point.empty() || !fs::exists(entry))
    throw InvalidArgument(backend_name + ": entry point '" + entry.string() +
                          "' does not exist; pass the path of your training script");
  if (options.python.empty()) throw InvalidArgument(backend_name + ": python must not be empty");
}

TrialCommandOptions resolve_python_package(TrialCommandOptions options) {
  if (options.python_package_dir.empty()) return options;
  // The trials' environment without our folder: is a real syne_tune importable by itself?
  TrialCommandOptions without = options;
  without.python_package_dir.clear();
  std::vector<std::string> env = make_trial_command(without, Json::object(), fs::path()).env;
  const std::string ours = normalized(options.python_package_dir);
  std::string path;
  std::istringstream parts(get_env(env, "PYTHONPATH").value_or(""));
  for (std::string part; std::getline(parts, part, ':');)
    if (!part.empty() && normalized(part) != ours) path += (path.empty() ? "" : ":") + part;
  set_env(env, "PYTHONPATH", path);
  const int st = local::run_and_wait({options.python, "-c", "import syne_tune"}, env, 60.0);
  if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) options.python_package_dir.clear();
  return options;
}

}  // namespace synetune
