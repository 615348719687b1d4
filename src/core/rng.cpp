#include "synetune/core/rng.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t derive_seed(std::uint64_t master, std::string_view component, std::uint64_t index) {
  std::uint64_t h = splitmix64(master);
  for (unsigned char c : component) h = splitmix64(h ^ c);
  return splitmix64(h ^ splitmix64(index));
}

std::int64_t Rng::randint(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  const std::uint64_t range = static_cast<std::uint64_t>(hi - lo) + 1;
  if (range == 0) return static_cast<std::int64_t>(engine_());  // full 64-bit range
  // Rejection sampling: unbiased and identical on every platform.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return lo + static_cast<std::int64_t>(x % range);
}

double Rng::normal() {
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::size_t Rng::categorical(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double u = uniform() * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return weights.empty() ? 0 : weights.size() - 1;
}

Json Rng::save_state() const {
  std::ostringstream os;
  os << engine_;
  return Json{{"engine", "mt19937_64"}, {"state", os.str()}};
}

void Rng::load_state(const Json& state) {
  if (!state.is_object() || state.value("engine", "") != "mt19937_64")
    throw StorageError("random generator state is missing or not an mt19937_64 state");
  std::istringstream is(state.at("state").get<std::string>());
  is >> engine_;
  if (!is) throw StorageError("random generator state is corrupt");
}

}  // namespace synetune
