#pragma once
// GPU rotation of the LocalBackend (Syne Tune's): with >= 2 usable GPUs, each trial gets
// num_gpus_per_trial of them through CUDA_VISIBLE_DEVICES; with fewer, trials inherit the
// tuner's CUDA_VISIBLE_DEVICES untouched.
#include <optional>
#include <vector>

#include "synetune/backends/local_backend.hpp"

namespace synetune::local {

class GpuRotation {
 public:
  /// Runs `nvidia-smi --list-gpus` once, here, unless opt.visible_gpus_override is set.
  explicit GpuRotation(const LocalBackendOptions& opt);
  /// GPUs for a new trial, as indices into the usable list; empty when rotation is off.
  std::vector<int> allocate();
  void release(const std::vector<int>& gpus);
  /// Physical GPU ids (for CUDA_VISIBLE_DEVICES) of allocated indices.
  std::vector<int> physical(const std::vector<int>& gpus) const;
  Json state() const;
  void load_state(const Json& state);

 private:
  std::vector<int> usable_;  // physical ids
  std::optional<GpuAllocator> alloc_;
};

}  // namespace synetune::local
