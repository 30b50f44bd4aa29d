#include "scale/scale_groups.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

TEST(ScaleGroupsTest, FlexGroupsByTriggerType) {
  EXPECT_EQ(GroupOf("httpTrigger", "Hello"), "http");
  EXPECT_EQ(GroupOf("HttpTrigger", "Other"), "http");  // types match ignoring case
  EXPECT_EQ(GroupOf("blobTrigger", "Thumbs"), "blob");
  EXPECT_EQ(GroupOf("orchestrationTrigger", "Orch"), "durable");
  EXPECT_EQ(GroupOf("activityTrigger", "Act"), "durable");
  EXPECT_EQ(GroupOf("entityTrigger", "Counter"), "durable");
  EXPECT_EQ(GroupOf("queueTrigger", "Orders"), "function:Orders");
  EXPECT_EQ(GroupOf("timerTrigger", "Nightly"), "function:Nightly");
  EXPECT_EQ(GroupOf("serviceBusTrigger", "Bus"), "function:Bus");
}

TEST(ScaleGroupsTest, OtherPlansHaveOneAppGroup) {
  for (PlanKind k : {PlanKind::kConsumption, PlanKind::kPremium, PlanKind::kDedicated}) {
    EXPECT_EQ(ScaleGroupOf(k, "queueTrigger", "Orders"), "app");
    EXPECT_EQ(ScaleGroupOf(k, "httpTrigger", "Hello"), "app");
    EXPECT_EQ(HttpGroupOf(k), "app");
  }
  EXPECT_EQ(ScaleGroupOf(PlanKind::kFlex, "queueTrigger", "Orders"), "function:Orders");
  EXPECT_EQ(HttpGroupOf(PlanKind::kFlex), "http");
}

TEST(ScaleGroupsTest, FlexGroupNames) {
  EXPECT_TRUE(IsFlexGroupName("http"));
  EXPECT_TRUE(IsFlexGroupName("blob"));
  EXPECT_TRUE(IsFlexGroupName("durable"));
  EXPECT_TRUE(IsFlexGroupName("function:orders"));
  EXPECT_FALSE(IsFlexGroupName("function:"));
  EXPECT_FALSE(IsFlexGroupName("app"));
  EXPECT_FALSE(IsFlexGroupName("queue"));
}

}  // namespace
}  // namespace squall
