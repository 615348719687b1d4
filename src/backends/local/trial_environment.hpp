#pragma once
// Environment of trial processes: a copy of the tuner's, OMP_NUM_THREADS=1 if unset, the
// user's extra variables, PYTHONPATH for our pure-Python `syne_tune` when no real one is
// importable, and CUDA_VISIBLE_DEVICES per trial when >= 2 GPUs are usable.
#include <optional>
#include <string>
#include <vector>

#include "synetune/backends/local_backend.hpp"

namespace synetune::local {

/// Sets or replaces `key` in a "K=V" list.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value);
/// Value of `key` in a "K=V" list, nullopt if absent.
std::optional<std::string> get_env(const std::vector<std::string>& env, const std::string& key);

class TrialEnvironment {
 public:
  /// Runs `<python> -c "import syne_tune"` and `nvidia-smi --list-gpus` (unless overridden)
  /// once, here.
  explicit TrialEnvironment(const LocalBackendOptions& opt);
  /// Environment for a new trial; fills `gpus` with the allocated GPU indices (empty when
  /// GPU rotation is off).
  std::vector<std::string> for_trial(std::vector<int>& gpus);
  void release(const std::vector<int>& gpus);
  const std::vector<std::string>& base() const { return base_; }
  Json gpu_state() const;
  void load_gpu_state(const Json& state);

 private:
  std::vector<std::string> base_;
  std::vector<int> usable_;  // physical ids
  std::optional<GpuAllocator> alloc_;
};

}  // namespace synetune::local
