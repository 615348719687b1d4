#include "backends/local/gpu_rotation.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "backends/local/process.hpp"

namespace synetune::local {
namespace {

std::vector<int> detect_gpus(const LocalBackendOptions& opt) {
  if (opt.visible_gpus_override) return *opt.visible_gpus_override;
  std::string out;
  int st = run_and_wait({"nvidia-smi", "--list-gpus"}, current_environment(), 10.0, &out);
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

GpuRotation::GpuRotation(const LocalBackendOptions& opt) {
  std::vector<int> detected = detect_gpus(opt);
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
  if (usable_.size() < 2) return;  // one GPU (or none): nothing to rotate
  int per = opt.num_gpus_per_trial;
  if (per > static_cast<int>(usable_.size())) {
    std::cerr << "LocalBackend: num_gpus_per_trial = " << per << " but only " << usable_.size()
              << " GPUs are usable; using " << usable_.size() << '\n';
    per = static_cast<int>(usable_.size());
  }
  alloc_.emplace(static_cast<int>(usable_.size()), per);
}

std::vector<int> GpuRotation::allocate() { return alloc_ ? alloc_->allocate() : std::vector<int>{}; }

void GpuRotation::release(const std::vector<int>& gpus) {
  if (alloc_) alloc_->release(gpus);
}

std::vector<int> GpuRotation::physical(const std::vector<int>& gpus) const {
  std::vector<int> ids;
  for (int g : gpus) ids.push_back(usable_[static_cast<std::size_t>(g)]);
  return ids;
}

Json GpuRotation::state() const { return alloc_ ? alloc_->save_state() : Json(); }

void GpuRotation::load_state(const Json& state) {
  if (alloc_ && state.is_object()) alloc_->load_state(state);
}

}  // namespace synetune::local
