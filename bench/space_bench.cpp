// Micro-benchmarks of ConfigSpace sampling and ConfigEncoder encode/decode in 6-10 dims.
#include <benchmark/benchmark.h>

#include "synetune/space/config_space.hpp"

namespace {

using namespace synetune;

// A mixed space of `dims` tunables (float, log-float, int, categorical, ordinal, finrange).
ConfigSpace mixed_space(int dims) {
  ConfigSpace cs;
  for (int i = 0; i < dims; ++i) {
    const std::string n = "h" + std::to_string(i);
    switch (i % 6) {
      case 0: cs.add(n, uniform(0, 1)); break;
      case 1: cs.add(n, loguniform(1e-5, 1e-1)); break;
      case 2: cs.add(n, randint(1, 512)); break;
      case 3: cs.add(n, choice({"relu", "tanh", "gelu", "elu"})); break;
      case 4: cs.add(n, logordinal({16, 32, 64, 128, 256})); break;
      default: cs.add(n, finrange(0, 1, 11)); break;
    }
  }
  cs.add("epochs", constant(100));
  return cs;
}

void BM_ConfigSpace_Sample(benchmark::State& state) {
  const ConfigSpace cs = mixed_space(static_cast<int>(state.range(0)));
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(cs.sample(rng));
  state.SetItemsProcessed(state.iterations());
}

void BM_ConfigEncoder_Encode(benchmark::State& state) {
  const ConfigSpace cs = mixed_space(static_cast<int>(state.range(0)));
  const ConfigEncoder enc(cs);
  Rng rng(2);
  std::vector<Config> configs;
  for (int i = 0; i < 256; ++i) configs.push_back(cs.sample(rng));
  std::size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(enc.encode(configs[k++ & 255]));
  state.SetItemsProcessed(state.iterations());
}

void BM_ConfigEncoder_Decode(benchmark::State& state) {
  const ConfigSpace cs = mixed_space(static_cast<int>(state.range(0)));
  const ConfigEncoder enc(cs);
  Rng rng(3);
  std::vector<std::vector<double>> xs(256, std::vector<double>(enc.dimension()));
  for (auto& x : xs)
    for (auto& v : x) v = rng.uniform();
  std::size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(enc.decode(xs[k++ & 255]));
  state.SetItemsProcessed(state.iterations());
}

void BM_ConfigSpace_MatchString(benchmark::State& state) {
  const ConfigSpace cs = mixed_space(static_cast<int>(state.range(0)));
  Rng rng(4);
  std::vector<Config> configs;
  for (int i = 0; i < 256; ++i) configs.push_back(cs.sample(rng));
  std::size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(cs.match_string(configs[k++ & 255]));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ConfigSpace_Sample)->Arg(6)->Arg(8)->Arg(10);
BENCHMARK(BM_ConfigEncoder_Encode)->Arg(6)->Arg(8)->Arg(10);
BENCHMARK(BM_ConfigEncoder_Decode)->Arg(6)->Arg(8)->Arg(10);
BENCHMARK(BM_ConfigSpace_MatchString)->Arg(6)->Arg(8)->Arg(10);

}  // namespace

BENCHMARK_MAIN();
