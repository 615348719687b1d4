#include "synetune/blackboxes/blackbox.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "blackboxes/analytic_blackbox.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {
namespace fs = std::filesystem;

const std::string kBench = std::string(SYNETUNE_SOURCE_DIR) + "/benchmarks";

// A 3-config, 2-seed, 3-epoch table with a conditional hyperparameter and a truncated curve.
fs::path write_tiny_table(bool gz) {
  const fs::path dir = fs::temp_directory_path() /
                       ("synetune_tiny_table_" + std::to_string(gz) + "_" +
                        std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "space.json") << R"({
    "name": "tiny",
    "hyperparameters": {
      "lr": {"type": "loguniform", "lower": 0.001, "upper": 1.0},
      "act": {"type": "choice", "categories": ["relu", "tanh"]},
      "use_x": {"type": "choice", "categories": [true, false]},
      "x": {"type": "randint", "lower": 1, "upper": 9,
            "condition": {"parent": "use_x", "equals": true}}
    },
    "fidelity": {"name": "epoch", "type": "randint", "lower": 1, "upper": 3},
    "seeds": [0, 1],
    "objectives": {"acc": {"mode": "max"}, "elapsed_time": {"mode": "min"}},
    "metric": "acc", "mode": "max", "time_attr": "elapsed_time", "resource_attr": "epoch"
  })";
  std::ofstream(dir / "configs.csv") << "config_id,lr,act,use_x,x\n"
                                        "0,0.01,relu,true,3\n"
                                        "1,0.1,tanh,false,\n"
                                        "2,0.5,relu,true,7\n";
  std::string curves = "config_id,seed,epoch,acc,elapsed_time\n";
  for (int c = 0; c < 3; ++c)
    for (int s = 0; s < 2; ++s)
      for (int e = 1; e <= 3; ++e) {
        if (c == 2 && s == 1 && e == 3) continue;  // truncated run
        curves += std::to_string(c) + "," + std::to_string(s) + "," + std::to_string(e) + "," +
                  std::to_string(0.1 * c + 0.01 * s + 0.2 * e) + "," + std::to_string(10 * e) + "\n";
      }
  if (gz) {
    gzFile f = gzopen((dir / "curves.csv.gz").string().c_str(), "wb");
    gzwrite(f, curves.data(), static_cast<unsigned>(curves.size()));
    gzclose(f);
  } else {
    std::ofstream(dir / "curves.csv") << curves;
  }
  return dir;
}

TEST(Blackbox, LoadsTinyTableFromFolderPlainAndGzip) {
  for (bool gz : {false, true}) {
    const fs::path dir = write_tiny_table(gz);
    auto bb = load_tabulated_blackbox(dir.string());
    EXPECT_EQ(bb->name(), "tiny");
    EXPECT_EQ(bb->resource_attr(), "epoch");
    EXPECT_EQ(bb->max_resource(), 3);
    EXPECT_EQ(bb->default_metric(), "acc");
    EXPECT_EQ(bb->default_mode(), Mode::kMax);
    EXPECT_EQ(bb->num_seeds(), 2u);
    ASSERT_EQ(bb->configurations().size(), 3u);
    EXPECT_EQ(bb->configurations()[1]["act"], "tanh");
    EXPECT_EQ(bb->configurations()[0]["use_x"], true);
    EXPECT_EQ(bb->configurations()[2]["x"], 7);
    // acc(config 1, seed 1, epoch 2) = 0.1 + 0.01 + 0.4
    const auto v = bb->evaluate(std::size_t{1}, 2, 1);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_NEAR(v[0], 0.51, 1e-9);
    EXPECT_NEAR(v[1], 20.0, 1e-9);
    // Optimum: best acc at epoch 3 among complete curves (config 2 seed 0).
    ASSERT_TRUE(bb->optimum());
    EXPECT_NEAR(*bb->optimum(), 0.2 + 0.6, 1e-9);
    // Truncated curve: 2 rows; epoch 3 is an error naming the fidelity.
    std::vector<double> scratch;
    EXPECT_EQ(bb->curve(bb->configurations()[2], 1, scratch).n_fidelities, 2u);
    EXPECT_EQ(bb->seeds_for(2).size(), 2u);
    fs::remove_all(dir);
  }
}

TEST(Blackbox, FidelityNotInTableIsInvalidArgumentNamingIt) {
  const fs::path dir = write_tiny_table(false);
  auto bb = load_tabulated_blackbox(dir.string());
  try {
    bb->evaluate(std::size_t{0}, 7);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("epoch=7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1..3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(bb->evaluate(bb->configurations()[2], 3, 1), InvalidArgument);
  fs::remove_all(dir);
}

TEST(Blackbox, ConfigLookupExactExtraKeysInactiveAndNearest) {
  const fs::path dir = write_tiny_table(false);
  auto bb = load_tabulated_blackbox(dir.string());
  Config c = bb->configurations()[2];
  c["epochs"] = 3;  // extra key (max_resource_attr) is ignored
  EXPECT_EQ(bb->config_index(c), 2u);
  // Inactive conditional value does not matter.
  Config c1 = bb->configurations()[1];
  c1["x"] = 9;
  EXPECT_EQ(bb->config_index(c1), 1u);
  c1["x"] = 2.0;  // a float for an int is fine
  EXPECT_EQ(bb->config_index(c1), 1u);
  // Off-table values map to the nearest row.
  Config off = bb->configurations()[0];
  off["lr"] = 0.011;
  EXPECT_EQ(bb->config_index(off), 0u);
  fs::remove_all(dir);
}

TEST(Blackbox, BadFolderErrorsNameTheProblem) {
  const fs::path dir = write_tiny_table(false);
  std::ofstream(dir / "configs.csv") << "config_id,lr,act,use_x,x\n0,0.01,sigmoid,true,3\n";
  try {
    load_tabulated_blackbox(dir.string());
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("sigmoid"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_blackbox("no_such_benchmark_xyz"), InvalidArgument);
  fs::remove_all(dir);
}

TEST(Blackbox, LoadsBundledTables) {
  ::setenv("SYNETUNE_BENCHMARKS_DIR", kBench.c_str(), 1);
  auto names = list_blackboxes();
  for (const char* n : {"sklearn_mlp_digits", "nb201_cifar10_subset200", "arlbench_dqn_cartpole"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;

  auto mlp = load_blackbox("sklearn_mlp_digits");
  EXPECT_EQ(mlp->configurations().size(), 500u);
  EXPECT_EQ(mlp->max_resource(), 50);
  EXPECT_EQ(mlp->default_metric(), "valid_error");
  EXPECT_FALSE(mlp->time_is_modelled());
  // First row of curves.csv: config 0, epoch 1.
  const auto v = mlp->evaluate(std::size_t{0}, 1);
  EXPECT_NEAR(v[*mlp->objective_index("valid_error")], 0.649025, 1e-9);
  // Cached by the cache its caller holds, and only there: no process-wide state.
  BlackboxCache cache, other;
  const auto cached = cache.load("sklearn_mlp_digits");
  EXPECT_EQ(cache.load("sklearn_mlp_digits"), cached);
  EXPECT_NE(other.load("sklearn_mlp_digits"), cached);
  EXPECT_NE(load_blackbox("sklearn_mlp_digits"), mlp);
  EXPECT_EQ(cache.load("sklearn_mlp_digits")->configurations().size(), 500u);

  auto nb = load_blackbox("nb201_cifar10_subset200");
  EXPECT_EQ(nb->max_resource(), 200);
  EXPECT_TRUE(nb->time_is_modelled());
  EXPECT_NEAR(nb->evaluate(std::size_t{3}, 17)[*nb->objective_index("elapsed_time")], 17.0, 1e-12);

  auto rl = load_blackbox("arlbench_dqn_cartpole");
  EXPECT_EQ(rl->num_seeds(), 10u);
  EXPECT_EQ(rl->default_mode(), Mode::kMax);
  EXPECT_EQ(rl->configurations().size(), 143u);
  ASSERT_TRUE(rl->optimum());
  EXPECT_GT(*rl->optimum(), 100.0);
  // Their rows have the space's types: searchers copy them rather than cast each draw.
  for (const auto& bb : {mlp, nb, rl, load_blackbox("synthetic_lc_tab")})
    EXPECT_TRUE(bb->configurations_canonical()) << bb->name();
}

TEST(Blackbox, SyntheticLearningCurvesHaveKnownOptimum) {
  auto bb = load_blackbox("synthetic_lc");
  EXPECT_FALSE(bb->is_tabulated());
  Config best = {{"x1", 0.3}, {"x2", 0.7}, {"lr", std::pow(10.0, -1.5)}};
  const auto at_max = bb->evaluate(best, bb->max_resource());
  EXPECT_NEAR(at_max[0], *bb->optimum(), 1e-12);
  // Curves decrease with the fidelity; time grows linearly.
  const auto at_1 = bb->evaluate(best, 1);
  EXPECT_GT(at_1[0], at_max[0]);
  EXPECT_NEAR(at_max[1], at_1[1] * bb->max_resource(), 1e-9);
  Config missing = {{"x1", 0.3}};
  EXPECT_THROW(bb->evaluate(missing, 1), InvalidArgument);

  auto tab = load_blackbox("synthetic_lc_tab");
  EXPECT_GE(tab->configurations().size(), 1000u);
  EXPECT_GE(*tab->optimum(), 0.1);
  EXPECT_EQ(tab->config_index(tab->configurations()[777]), 777u);
}

TEST(Blackbox, AnalyticFunctionsSingleFidelityWithCostModel) {
  auto br = load_blackbox("branin");
  EXPECT_EQ(br->max_resource(), 1);
  EXPECT_EQ(br->default_metric(), "y");
  EXPECT_TRUE(br->time_is_modelled());
  const auto v = br->evaluate(Config{{"x0", 3.14159265358979}, {"x1", 2.275}}, 1);
  EXPECT_NEAR(v[0], *br->optimum(), 1e-5);
  EXPECT_EQ(v[1], 1.0);
  EXPECT_EQ(load_blackbox("hartmann6")->config_space().size(), 6u);
  EXPECT_NEAR(*load_blackbox("hartmann3")->optimum(), -3.86278, 1e-4);
}

}  // namespace
}  // namespace synetune
