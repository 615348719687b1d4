#include "backends/local/metric_line_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace synetune::local {
namespace {

TEST(MetricLineParser, ParsesLinesSplitAcrossChunksAndTheLastUnterminatedOne) {
  MetricLineParser p;
  std::vector<Json> m;
  std::vector<std::string> w;
  const std::string text =
      "noise\n[tune-metric]: {\"a\": 1, \"b\": NaN}\nx [tune-metric]: {\"c\": [1, 2]}\n"
      "[tune-metric]: {\"d\": Infinity}";
  for (std::size_t i = 0; i < text.size(); i += 7) p.feed(std::string_view(text).substr(i, 7), m, w);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["a"], 1);
  EXPECT_TRUE(std::isnan(m[0]["b"].get<double>()));
  EXPECT_EQ(m[1]["c"], Json::array({1, 2}));
  p.finish(m, w);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_TRUE(std::isinf(m[2]["d"].get<double>()));
  EXPECT_TRUE(w.empty());
}

TEST(MetricLineParser, SkipsOverlongAndMalformedLinesWithWarnings) {
  MetricLineParser p;
  std::vector<Json> m;
  std::vector<std::string> w;
  std::string big = "[tune-metric]: {\"s\": \"" + std::string(MetricLineParser::kMaxLineBytes, 'x') + "\"}\n";
  for (std::size_t i = 0; i < big.size(); i += 4096) p.feed(std::string_view(big).substr(i, 4096), m, w);
  p.feed(std::string(MetricLineParser::kMaxLineBytes + 10, 'y') + "\n", m, w);  // not a metric
  p.feed("[tune-metric]: {\"a\": }\n[tune-metric]: nothing\n[tune-metric]: {\"ok\": 1}\n", m, w);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["ok"], 1);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("longer than 50000"), std::string::npos);
  EXPECT_NE(w[1].find("malformed"), std::string::npos);
  EXPECT_NE(w[2].find("no JSON object"), std::string::npos);
}

}  // namespace
}  // namespace synetune::local
