#include "scale/drain_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scale_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(DrainPolicyTest, StopsAtOnceWhenIdle) {
  const PlanConfig plan = MustValidate({});
  const MonoTime start{1h};
  DrainVerdict v = CheckDrain(plan, 0, start, start + 3200ms);
  EXPECT_TRUE(v.stop);
  EXPECT_EQ(v.reason, "drained: idle after 3.2s");
}

TEST(DrainPolicyTest, WaitsForWorkUntilTheGraceEnds) {
  const PlanConfig plan = MustValidate({});  // consumption: 10 minutes
  const MonoTime start{1h};
  DrainVerdict v = CheckDrain(plan, 2, start, start + 9min + 59s);
  EXPECT_FALSE(v.stop);
  EXPECT_EQ(v.deadline, start + 10min);
  EXPECT_EQ(v.reason, "draining: 2 in flight, grace ends in 1s");

  v = CheckDrain(plan, 2, start, start + 10min);
  EXPECT_TRUE(v.stop);
  EXPECT_EQ(v.reason, "drain grace 10m expired with 2 in flight");
}

TEST(DrainPolicyTest, GraceDefaultsByPlanAndIsConfigurable) {
  const MonoTime start{1h};
  PlanOptions flex;
  flex.plan = "flex";
  EXPECT_FALSE(CheckDrain(MustValidate(flex), 1, start, start + 59min).stop);
  EXPECT_TRUE(CheckDrain(MustValidate(flex), 1, start, start + 60min).stop);

  PlanOptions premium;
  premium.plan = "premium";
  EXPECT_EQ(MustValidate(premium).drain_grace, 60min);

  PlanOptions short_grace;
  short_grace.drain_grace = 5s;
  DrainVerdict v = CheckDrain(MustValidate(short_grace), 1, start, start + 5s);
  EXPECT_TRUE(v.stop);
  EXPECT_THAT(v.reason, HasSubstr("drain grace 5s expired"));
}

}  // namespace
}  // namespace squall
