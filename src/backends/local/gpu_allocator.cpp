#include <algorithm>
#include <numeric>

#include "synetune/backends/local_backend.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

std::vector<int> GpuAllocator::allocate() {
  const int n = num_gpus();
  std::vector<int> free_gpus, busy_gpus;
  for (int g = 0; g < n; ++g) (busy_[g] == 0 ? free_gpus : busy_gpus).push_back(g);
  auto by_count = [&](int a, int b) { return counts_[a] < counts_[b]; };
  // Stable sorts keep GPU-id order among equal counts, as Syne Tune's sorted() does.
  std::stable_sort(free_gpus.begin(), free_gpus.end(), by_count);
  std::stable_sort(busy_gpus.begin(), busy_gpus.end(), by_count);
  std::vector<int> chosen;
  for (int g : free_gpus) {
    if (static_cast<int>(chosen.size()) == per_trial_) break;
    chosen.push_back(g);
  }
  for (int g : busy_gpus) {
    if (static_cast<int>(chosen.size()) == per_trial_) break;
    chosen.push_back(g);
  }
  for (int g : chosen) {
    ++counts_[g];
    ++busy_[g];
  }
  return chosen;
}

void GpuAllocator::release(const std::vector<int>& gpus) {
  for (int g : gpus)
    if (g >= 0 && g < num_gpus() && busy_[g] > 0) --busy_[g];
}

Json GpuAllocator::save_state() const {
  return Json{{"counts", counts_}, {"busy", busy_}, {"per_trial", per_trial_}};
}

void GpuAllocator::load_state(const Json& state) {
  auto counts = state.at("counts").get<std::vector<int>>();
  if (counts.size() != counts_.size())
    throw InvalidArgument("GpuAllocator state has " + std::to_string(counts.size()) +
                          " GPUs but this machine has " + std::to_string(counts_.size()));
  counts_ = std::move(counts);
  // Trials running when the state was saved are gone; only the history matters.
  std::fill(busy_.begin(), busy_.end(), 0);
}

}  // namespace synetune
