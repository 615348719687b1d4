#include "synetune/core/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "synetune/core/rng.hpp"

namespace synetune {
namespace {

TEST(DumpJsonPython, WritesPythonTokensForNonFiniteFloats) {
  const double inf = std::numeric_limits<double>::infinity();
  Json j = Json::object();
  j["a"] = std::nan("");
  j["b"] = Json::array({inf, -inf, 1.5});
  EXPECT_EQ(dump_json_python(j), R"({"a":NaN,"b":[Infinity,-Infinity,1.5]})");
}

TEST(DumpJsonPython, FloatsStayFloatsAndIntegersStayIntegers) {
  Json j = Json::object();
  j["f"] = 3.0;
  j["i"] = 3;
  j["u"] = std::uint64_t{18446744073709551615ull};
  j["big"] = 1e300;
  const Json back = parse_json_lenient(dump_json_python(j));
  EXPECT_TRUE(back["f"].is_number_float());
  EXPECT_TRUE(back["i"].is_number_integer());
  EXPECT_EQ(back["u"].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(back, j);
}

TEST(DumpJsonPython, EscapesStringsAsNlohmannDoes) {
  Json j = Json::object();
  j["quote\"key"] = "line\nbreak\t\\ \x01";
  j["utf8"] = "caf\xc3\xa9";
  j["plain"] = "relu";
  EXPECT_EQ(dump_json_python(j), j.dump());
}

// Property: any document of finite numbers, strings, bools and nesting round-trips exactly.
TEST(DumpJsonPython, RandomDocumentsRoundTripBitForBit) {
  Rng rng(7);
  for (int doc = 0; doc < 200; ++doc) {
    Json j = Json::object();
    for (int k = 0; k < 8; ++k) {
      const std::string key = "k" + std::to_string(k);
      switch (rng.index(5)) {
        case 0: j[key] = std::ldexp(rng.uniform() - 0.5, static_cast<int>(rng.index(200)) - 100); break;
        case 1: j[key] = static_cast<std::int64_t>(rng.index(1000000)) - 500000; break;
        case 2: j[key] = rng.uniform() < 0.5; break;
        case 3: j[key] = "s" + std::to_string(rng.index(100)); break;
        default: j[key] = Json::array({rng.uniform(), Json(), Json::object({{"x", 1e-7 * rng.uniform()}})});
      }
    }
    EXPECT_EQ(parse_json_lenient(dump_json_python(j)), j) << j.dump();
  }
}

TEST(IdenticalJson, ComparesTypesKeyOrderSignedZeroAndNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(Json(1) == Json(1.0));  // why identical_json exists
  EXPECT_FALSE(identical_json(Json(1), Json(1.0)));
  EXPECT_FALSE(identical_json(Json(1), Json(1u)));
  EXPECT_TRUE(identical_json(Json(nan), Json(nan)));
  EXPECT_FALSE(identical_json(Json(0.0), Json(-0.0)));
  const Json a = {{"x", 0.5}, {"c", "relu"}, {"l", {1, 2.0}}};
  EXPECT_TRUE(identical_json(a, Json{{"x", 0.5}, {"c", "relu"}, {"l", {1, 2.0}}}));
  EXPECT_FALSE(identical_json(a, Json{{"c", "relu"}, {"x", 0.5}, {"l", {1, 2.0}}}));
  EXPECT_FALSE(identical_json(a, Json{{"x", 0.5}, {"c", "relu"}, {"l", {1, 2}}}));
  EXPECT_FALSE(identical_json(a, Json{{"x", 0.5}, {"c", "relu"}}));
}

}  // namespace
}  // namespace synetune
