// SYNETUNE_CHECK: aborts with file, line, condition and message on failure (death tests), and
// costs nothing but the test on success (the message is not even built).
#include "synetune/core/check.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace synetune {
namespace {

// Death tests fork; "threadsafe" re-runs the test binary in the child, which is robust when
// other tests have started threads.
class CheckDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(CheckDeathTest, AFailedCheckPrintsWhereWhatAndWhyThenAborts) {
  const int trial = 3;
  EXPECT_DEATH(SYNETUNE_CHECK(trial < 0) << "trial " << trial << " is not paused (a scheduler bug)",
               "check_test.cpp:[0-9]+: check failed: trial < 0 trial 3 is not paused \\(a scheduler bug\\)");
}

TEST_F(CheckDeathTest, ComparisonsPrintBothValues) {
  const std::vector<int> v{1, 2};
  EXPECT_DEATH(SYNETUNE_CHECK_EQ(v.size(), std::size_t{3}) << "one per row",
               "check failed: v.size\\(\\) == std::size_t\\{3\\} \\(2 vs 3\\) one per row");
  EXPECT_DEATH(SYNETUNE_CHECK_LT(5, 4), "check failed: 5 < 4 \\(5 vs 4\\)");
  EXPECT_DEATH(SYNETUNE_CHECK_GE(std::string("a"), std::string("b")), "\\(a vs b\\)");
}

TEST(Check, APassingCheckNeitherAbortsNorEvaluatesItsMessage) {
  int evaluated = 0;
  auto message = [&] {
    ++evaluated;
    return "built";
  };
  SYNETUNE_CHECK(1 + 1 == 2) << message();
  SYNETUNE_CHECK_EQ(2, 2) << message();
  SYNETUNE_CHECK_NE(1, 2) << message();
  SYNETUNE_CHECK_LE(2, 2) << message();
  SYNETUNE_CHECK_GT(3, 2) << message();
  EXPECT_EQ(evaluated, 0);
}

TEST(Check, OperandsAreEvaluatedOnce) {
  int calls = 0;
  auto next = [&] { return ++calls; };
  SYNETUNE_CHECK_EQ(next(), 1);
  EXPECT_EQ(calls, 1);
}

// The CHECK_OP macros are single statements: an `else` after one belongs to the outer `if`.
TEST(Check, ComparisonMacrosDoNotCaptureAnElse) {
  bool else_taken = false;
  if (false)
    SYNETUNE_CHECK_EQ(1, 1);
  else
    else_taken = true;
  EXPECT_TRUE(else_taken);
}

}  // namespace
}  // namespace synetune
