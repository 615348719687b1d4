#include <gtest/gtest.h>

#include "synetune/core/error.hpp"
#include "synetune/registry.hpp"

namespace synetune {
namespace {

MethodSpec spec(Json options = Json::object()) {
  MethodSpec s;
  s.space.add("x", uniform(0.0, 1.0));
  s.problem.metric = "loss";
  s.problem.max_t = 27;
  s.options = std::move(options);
  s.seed = 3;
  return s;
}

TEST(MultiFidelityRegistry, BuildsEachMethodWithSyneTuneNames) {
  EXPECT_EQ(make_scheduler("ASHA", spec())->metadata().at("options").at("type"), "stopping");
  const auto hb = make_scheduler("Hyperband", spec(Json{{"type", "promotion"}}))->metadata();
  EXPECT_EQ(hb.at("options").at("brackets"), 3);  // rungs 1, 3, 9
  EXPECT_EQ(make_scheduler("SyncHyperband", spec())->metadata().at("bracket_rungs").size(), 4u);
  EXPECT_EQ(make_scheduler("SyncSH", spec())->metadata().at("bracket_rungs").size(), 1u);
  EXPECT_EQ(make_scheduler("MedianStoppingRule", spec(Json{{"grace_population", 3}}))->metadata().at("scheduler_name"),
            "MedianStoppingRule");
  EXPECT_EQ(make_scheduler("PBT", spec(Json{{"population_size", 8}}))->metadata().at("options").at("population_size"), 8);
  const auto asha = make_scheduler("ASHA", spec(Json{{"grace_period", 3}, {"max_t", 81}}))->metadata();
  EXPECT_EQ(asha.at("rung_levels"), (Json{3, 9, 27}));
  const auto rr = make_scheduler("Hyperband", spec(Json{{"bracket_rule", "round_robin"}}))->metadata();
  EXPECT_EQ(rr.at("options").at("bracket_rule"), "round_robin");
  EXPECT_EQ(hb.at("options").at("bracket_rule"), "sampled");
}

TEST(MultiFidelityRegistry, UnknownOptionNamed) {
  try {
    make_scheduler("ASHA", spec(Json{{"grace_periode", 2}}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("grace_periode"), std::string::npos);
  }
  EXPECT_THROW(make_scheduler("PBT", spec(Json{{"brackets", 2}})), InvalidArgument);
  EXPECT_THROW(make_scheduler("ASHA", spec(Json{{"type", "rush"}})), InvalidArgument);
  EXPECT_THROW(make_scheduler("Hyperband", spec(Json{{"bracket_rule", "random"}})), InvalidArgument);
  EXPECT_THROW(make_scheduler("Hyperband", spec(Json{{"bracket_rule", 1}})), InvalidArgument);
}


// What each method needs of the backend (the Tuner refuses a backend that lacks it).
TEST(MultiFidelityRegistry, DeclaresWhatEachMethodNeedsOfTheBackend) {
  auto needs = [](const std::string& method, Json options = Json::object()) {
    return make_scheduler(method, spec(std::move(options)))->requirements();
  };
  for (const char* m : {"RandomSearch", "GridSearch", "ASHA", "Hyperband", "MedianStoppingRule"}) {
    const SchedulerRequirements r = needs(m);
    EXPECT_FALSE(r.pause_resume) << m;
    EXPECT_FALSE(r.warm_start) << m;
  }
  for (const char* m : {"ASHA", "Hyperband", "MOBSTER", "HyperTune"}) {
    const SchedulerRequirements r = needs(m, Json{{"type", "promotion"}});
    EXPECT_TRUE(r.pause_resume) << m;
    EXPECT_FALSE(r.warm_start) << m;
    EXPECT_NE(r.method.find("promotion"), std::string::npos) << r.method;
  }
  for (const char* m : {"SyncHyperband", "SyncSH"}) {
    const SchedulerRequirements r = needs(m);
    EXPECT_TRUE(r.pause_resume) << m;
    EXPECT_NE(r.method.find(m), std::string::npos) << r.method;
  }
  const SchedulerRequirements pbt = needs("PBT");
  EXPECT_TRUE(pbt.warm_start);
  EXPECT_FALSE(pbt.pause_resume);  // stops bottom trials, never pauses them
  EXPECT_NE(pbt.method.find("PBT"), std::string::npos);
}

}  // namespace
}  // namespace synetune
