// Exact config lookup of TabulatedBlackbox (the simulator's per-trial path): which values
// count as equal, and the nearest-neighbour fallback.
#include "blackboxes/tabulated_blackbox.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

namespace synetune {
namespace {

// Rows from `configs` (one seed, one fidelity); hyperparameters as given.
std::shared_ptr<const TabulatedBlackbox> make_table(std::vector<TableHp> hps,
                                                   std::vector<Config> configs) {
  TableData d;
  d.name = "lookup";
  d.hps = std::move(hps);
  d.objectives = {{"loss", Mode::kMin}, {"time", Mode::kMin}};
  d.metric = "loss";
  d.time_attr = "time";
  d.max_resource = 1;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    d.values.push_back(static_cast<double>(i));
    d.values.push_back(1.0);
  }
  d.lengths.assign(configs.size(), 1);
  d.configs = std::move(configs);
  return std::make_shared<TabulatedBlackbox>(std::move(d));
}

TableHp hp(const std::string& name, const Json& spec) { return parse_table_hp(name, spec); }

TEST(TabulatedLookup, NumbersMatchByValueSignedZeroAndNanByBits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto bb = make_table({hp("x", {{"type", "uniform"}, {"lower", -1.0}, {"upper", 8.0}})},
                       {{{"x", 3}}, {{"x", 0.0}}, {{"x", -0.0}}, {{"x", nan}}, {{"x", -nan}},
                        {{"x", 0.5}}});
  EXPECT_EQ(bb->config_index({{"x", 3.0}}), 0u);        // 3 and 3.0 are one value
  EXPECT_EQ(bb->config_index({{"x", std::int64_t{3}}}), 0u);
  EXPECT_EQ(bb->config_index({{"x", 3u}}), 0u);
  EXPECT_EQ(bb->config_index({{"x", 0}}), 1u);
  EXPECT_EQ(bb->config_index({{"x", -0.0}}), 2u);       // -0 is its own row
  EXPECT_EQ(bb->config_index({{"x", nan}}), 3u);
  EXPECT_EQ(bb->config_index({{"x", -nan}}), 4u);
  // Another NaN payload of the same sign is the same value.
  const double other_nan = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan) | 1u);
  ASSERT_TRUE(std::isnan(other_nan));
  EXPECT_EQ(bb->config_index({{"x", other_nan}}), 3u);
  EXPECT_EQ(bb->config_index({{"x", 0.5}}), 5u);
  // Off-table: nearest neighbour.
  EXPECT_EQ(bb->config_index({{"x", 2.9}}), 0u);
  EXPECT_EQ(bb->config_index({{"x", 0.45}}), 5u);
}

TEST(TabulatedLookup, StringsBoolsAndOtherValuesAreDistinctKinds) {
  auto bb = make_table(
      {hp("c", {{"type", "choice"}, {"categories", {"true", "[1,2]", "a-long-category-name-0"}}})},
      {{{"c", "true"}}, {{"c", true}}, {{"c", 1}}, {{"c", "a-long-category-name-0"}},
       {{"c", Json::array({1, 2})}}, {{"c", "[1,2]"}}});
  EXPECT_EQ(bb->config_index({{"c", "true"}}), 0u);
  EXPECT_EQ(bb->config_index({{"c", true}}), 1u);
  EXPECT_EQ(bb->config_index({{"c", 1.0}}), 2u);
  EXPECT_EQ(bb->config_index({{"c", "a-long-category-name-0"}}), 3u);
  EXPECT_EQ(bb->config_index({{"c", Json::array({1, 2})}}), 4u);
  EXPECT_EQ(bb->config_index({{"c", "[1,2]"}}), 5u);
}

TEST(TabulatedLookup, InactiveMissingNullExtraKeysAndDuplicates) {
  auto bb = make_table(
      {hp("use", {{"type", "choice"}, {"categories", {true, false}}}),
       hp("x", {{"type", "randint"}, {"lower", 1}, {"upper", 9},
                {"condition", {{"parent", "use"}, {"equals", true}}}})},
      {{{"use", true}, {"x", 3}}, {{"use", false}, {"x", 1}}, {{"use", true}, {"x", 3}},
       {{"use", true}, {"x", 5}}});
  EXPECT_EQ(bb->config_index({{"use", true}, {"x", 3}}), 0u);  // first of duplicate rows
  EXPECT_EQ(bb->config_index({{"use", true}, {"x", 5}, {"epochs", 2}}), 3u);  // extra key
  // x is inactive when use is false: its value (or absence, or null) does not matter.
  EXPECT_EQ(bb->config_index({{"use", false}, {"x", 8}}), 1u);
  EXPECT_EQ(bb->config_index({{"use", false}}), 1u);
  EXPECT_EQ(bb->config_index({{"use", false}, {"x", nullptr}}), 1u);
}

TEST(TabulatedLookup, ManyHyperparametersAndEveryRowFindsItself) {
  std::vector<TableHp> hps;
  for (int h = 0; h < 11; ++h)  // more than the lookup's inline buffer
    hps.push_back(hp("h" + std::to_string(h), {{"type", "uniform"}, {"lower", 0.0}, {"upper", 1.0}}));
  std::vector<Config> configs;
  for (int c = 0; c < 500; ++c) {
    Config cfg = Json::object();
    for (int h = 0; h < 11; ++h) cfg["h" + std::to_string(h)] = ((c * 31 + h * 7) % 997) / 997.0;
    configs.push_back(cfg);
  }
  auto bb = make_table(hps, configs);
  for (std::size_t c = 0; c < configs.size(); ++c) ASSERT_EQ(bb->config_index(configs[c]), c);
  Config off = configs[123];
  off["h4"] = off["h4"].get<double>() + 1e-9;
  EXPECT_EQ(bb->config_index(off), 123u);  // nearest row
}

// The configuration list is handed to searchers shared, not copied, and outlives the table.
TEST(TabulatedBlackbox, SharedConfigurationsAreTheListItself) {
  auto bb = make_table({hp("x", {{"type", "uniform"}, {"lower", 0.0}, {"upper", 1.0}})},
                       {{{"x", 0.25}}, {{"x", 0.75}}});
  std::shared_ptr<const std::vector<Config>> shared = bb->shared_configurations();
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared.get(), &bb->configurations());
  bb.reset();
  ASSERT_EQ(shared->size(), 2u);
  EXPECT_EQ((*shared)[1], (Json{{"x", 0.75}}));
  EXPECT_EQ(load_blackbox("branin")->shared_configurations(), nullptr);  // analytic: no list
}

// Rows that postprocess would change (an integer in a float column) keep searchers casting.
TEST(TabulatedBlackbox, ConfigurationsAreCanonicalOnlyWhenPostprocessKeepsThem) {
  const TableHp x = hp("x", {{"type", "uniform"}, {"lower", 0.0}, {"upper", 4.0}});
  const TableHp n = hp("n", {{"type", "randint"}, {"lower", 1}, {"upper", 9}});
  auto typed = make_table({x, n}, {{{"x", 0.25}, {"n", 3}}, {{"x", 2.0}, {"n", 1}}});
  EXPECT_TRUE(typed->configurations_canonical());
  EXPECT_TRUE(identical_json(typed->config_space().postprocess(typed->configurations()[1]),
                             typed->configurations()[1]));
  auto int_in_float = make_table({x, n}, {{{"x", 0.25}, {"n", 3}}, {{"x", 2}, {"n", 1}}});
  EXPECT_FALSE(int_in_float->configurations_canonical());
  auto float_in_int = make_table({x, n}, {{{"x", 0.25}, {"n", 3.0}}});
  EXPECT_FALSE(float_in_int->configurations_canonical());
  auto key_order = make_table({x, n}, {{{"n", 3}, {"x", 0.25}}});
  EXPECT_FALSE(key_order->configurations_canonical());
}

}  // namespace
}  // namespace synetune
