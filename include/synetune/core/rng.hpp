#pragma once
/// Seeded random numbers with our own distributions, so that the same seed gives the same
/// decisions on every standard library (std::*_distribution output is not portable).
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "synetune/core/json.hpp"

namespace synetune {

/// SplitMix64-based derivation of a child seed from a master seed and a component name, so
/// that streams do not depend on construction order.
std::uint64_t derive_seed(std::uint64_t master, std::string_view component, std::uint64_t index = 0);

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [lo, hi], both inclusive.
  std::int64_t randint(std::int64_t lo, std::int64_t hi);
  /// Uniform index in [0, n).
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(randint(0, static_cast<std::int64_t>(n) - 1)); }
  double normal();  ///< standard normal (Box-Muller, no cached second value: state stays simple)
  double normal(double mean, double sd) { return mean + sd * normal(); }
  bool bernoulli(double p) { return uniform() < p; }
  /// Index drawn with probability proportional to `weights`.
  std::size_t categorical(const std::vector<double>& weights);
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
  }

  /// Complete engine state, for checkpoints.
  Json save_state() const;
  void load_state(const Json& state);

 private:
  std::mt19937_64 engine_;
};

}  // namespace synetune
