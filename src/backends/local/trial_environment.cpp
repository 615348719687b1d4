#include "backends/local/trial_environment.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "backends/local/process.hpp"

namespace synetune::local {
namespace fs = std::filesystem;
namespace {

std::string normalized(const std::string& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? p : c.lexically_normal().string();
}

std::vector<int> detect_gpus(const LocalBackendOptions& opt, const std::vector<std::string>& env) {
  if (opt.visible_gpus_override) return *opt.visible_gpus_override;
  std::string out;
  int st = run_and_wait({"nvidia-smi", "--list-gpus"}, env, 10.0, &out);
  std::vector<int> gpus;
  if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return gpus;  // no driver: no GPUs
  std::istringstream in(out);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (line.rfind("GPU ", 0) == 0) gpus.push_back(n++);
  return gpus;
}

}  // namespace

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

TrialEnvironment::TrialEnvironment(const LocalBackendOptions& opt) {
  base_ = current_environment();
  if (!get_env(base_, "OMP_NUM_THREADS")) set_env(base_, "OMP_NUM_THREADS", "1");
  for (const auto& [k, v] : opt.extra_env) set_env(base_, k, v);

  if (!opt.python_package_dir.empty()) {
    // Only fall back to our minimal package when no real syne_tune is importable, so that a
    // user's installed Syne Tune (with torch helpers etc.) wins.
    const std::string ours = normalized(opt.python_package_dir.string());
    const std::string old = get_env(base_, "PYTHONPATH").value_or("");
    std::string without;
    std::istringstream parts(old);
    for (std::string part; std::getline(parts, part, ':');)
      if (!part.empty() && normalized(part) != ours) without += (without.empty() ? "" : ":") + part;
    std::vector<std::string> check = base_;
    set_env(check, "PYTHONPATH", without);
    int st = run_and_wait({opt.python, "-c", "import syne_tune"}, check, 60.0);
    const bool real = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!real) set_env(base_, "PYTHONPATH", old.empty() ? ours : ours + ":" + old);
  }

  std::vector<int> detected = detect_gpus(opt, base_);
  if (opt.gpus_to_use.empty()) {
    usable_ = detected;
  } else {
    for (int g : opt.gpus_to_use) {
      if (std::find(detected.begin(), detected.end(), g) != detected.end())
        usable_.push_back(g);
      else
        std::cerr << "LocalBackend: gpus_to_use lists GPU " << g
                  << ", which was not detected; ignoring it\n";
    }
  }
  if (usable_.size() >= 2) {
    int per = opt.num_gpus_per_trial;
    if (per > static_cast<int>(usable_.size())) {
      std::cerr << "LocalBackend: num_gpus_per_trial = " << per << " but only "
                << usable_.size() << " GPUs are usable; using " << usable_.size() << '\n';
      per = static_cast<int>(usable_.size());
    }
    alloc_.emplace(static_cast<int>(usable_.size()), per);
    std::erase_if(base_, [](const std::string& e) { return e.rfind("CUDA_VISIBLE_DEVICES=", 0) == 0; });
  }
}

std::vector<std::string> TrialEnvironment::for_trial(std::vector<int>& gpus) {
  gpus.clear();
  if (!alloc_) return base_;
  gpus = alloc_->allocate();
  std::string list;
  for (int g : gpus) list += (list.empty() ? "" : ",") + std::to_string(usable_[static_cast<std::size_t>(g)]);
  std::vector<std::string> env = base_;
  env.push_back("CUDA_VISIBLE_DEVICES=" + list);
  return env;
}

void TrialEnvironment::release(const std::vector<int>& gpus) {
  if (alloc_) alloc_->release(gpus);
}

Json TrialEnvironment::gpu_state() const { return alloc_ ? alloc_->save_state() : Json(); }

void TrialEnvironment::load_gpu_state(const Json& state) {
  if (alloc_ && state.is_object()) alloc_->load_state(state);
}

}  // namespace synetune::local
