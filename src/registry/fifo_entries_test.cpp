// Registry entries RandomSearch and GridSearch (FIFO scheduler + searcher).
#include <gtest/gtest.h>

#include "synetune/core/error.hpp"
#include "synetune/registry.hpp"

namespace synetune {
namespace {

ProblemSpec spec() {
  ProblemSpec p;
  p.metric = "loss";
  return p;
}

TEST(FifoRegistry, RandomSearchAndGridSearch) {
  MethodSpec m;
  m.space.add("c", choice({"a", "b", "c"})).add("e", constant(1));
  m.problem = spec();
  m.seed = 3;
  auto rs = make_scheduler("RandomSearch", m);
  EXPECT_EQ(rs->metadata()["searcher"], "random");
  int n = 0;
  while (rs->suggest(n)) ++n;
  EXPECT_EQ(n, 3);
  m.options = Json{{"num_samples", {{"c", 2}}}, {"allow_duplicates", true}};
  auto gs = make_scheduler("GridSearch", m);
  EXPECT_EQ(gs->metadata()["searcher"], "grid");
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(gs->suggest(i));  // cycles
  // Same seed, same sequence.
  m.options = Json::object();
  auto g1 = make_scheduler("GridSearch", m), g2 = make_scheduler("GridSearch", m);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(std::get<StartTrial>(*g1->suggest(i)).config,
              std::get<StartTrial>(*g2->suggest(i)).config);
  m.options = Json{{"grace_period", 1}};
  EXPECT_THROW(make_scheduler("RandomSearch", m), InvalidArgument);
  EXPECT_THROW(make_scheduler("GridSearch", m), InvalidArgument);
  m.options = Json{{"num_samples", {{"zz", 2}}}};
  EXPECT_THROW(make_scheduler("GridSearch", m), InvalidArgument);
  m.options = Json{{"num_samples", {{"c", 2}}}};
  EXPECT_THROW(make_scheduler("RandomSearch", m), InvalidArgument);
}

}  // namespace
}  // namespace synetune
