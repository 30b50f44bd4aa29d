// Flex plan: per-function scale groups, shared maximum, per-group always-ready, HTTP targets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "scale/scale_groups.h"
#include "scale/scale_policy.h"
#include "scale_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

PlanOptions Flex() {
  PlanOptions o;
  o.plan = "flex";
  o.http_rate_limit = 0s;
  o.other_rate_limit = 0s;
  return o;
}

TEST(FlexTest, GroupsScaleSeparately) {
  ScaleWorld w(MustValidate(Flex()));
  w.obs().http_inflight = 40;  // 16 per instance -> 3
  w.obs().triggers = {{"orders", "queueTrigger", 2, "queue 'orders' length 64"},
                      {"thumbs", "blobTrigger", 1, "1 new blob"},
                      {"resize", "blobTrigger", 4, "4 new blobs"},
                      {"orch", "orchestrationTrigger", 1, "1 orchestration"}};
  const ScaleDecision& d = w.Step();
  ASSERT_EQ(d.groups.size(), 4u);
  EXPECT_EQ(d.groups[0].group, "blob");  // by name
  EXPECT_EQ(w.Serving("http"), 3);
  EXPECT_EQ(w.Serving("function:orders"), 2);
  EXPECT_EQ(w.Serving("blob"), 4);  // the max over the group's triggers
  EXPECT_EQ(w.Serving("durable"), 1);
  EXPECT_THAT(w.group("blob").reason, HasSubstr("resize: 4 new blobs → 4"));
  EXPECT_THAT(w.group("http").reason, HasSubstr("http: 40 in flight / target 16 per instance → 3"));
}

TEST(FlexTest, InstancesServeOnlyTheirGroup) {
  ScaleWorld w(MustValidate(Flex()));
  w.Add(InstanceState::kReady, "http");
  w.Add(InstanceState::kReady, "http");
  w.obs().triggers = {{"orders", "queueTrigger", 1, ""}};
  w.obs().http_inflight = 20;
  w.Step();
  EXPECT_EQ(w.Serving("function:orders"), 1);
  EXPECT_THAT(w.group("http").actions, IsEmpty());
}

TEST(FlexTest, MaximumIsSharedByAllGroups) {
  PlanOptions o = Flex();
  o.scale_limit = 5;
  ScaleWorld w(MustValidate(o));
  w.obs().http_inflight = 16 * 4;
  w.obs().triggers = {{"orders", "queueTrigger", 3, ""}};
  w.Step();
  // "function:orders" comes first by name and takes 3; http gets the 2 left.
  EXPECT_EQ(w.Serving("function:orders"), 3);
  EXPECT_EQ(w.Serving("http"), 2);
  EXPECT_THAT(w.group("http").reason, HasSubstr("scale limit 5: desired 4 capped at 2"));
}

TEST(FlexTest, DefaultMaximumIs100) {
  ScaleWorld w(MustValidate(Flex()));
  w.obs().http_inflight = 16 * 500;
  w.Step();
  EXPECT_EQ(w.Serving("http"), 100);
  EXPECT_THAT(w.group("http").reason, HasSubstr("flex default maximum 100"));
}

TEST(FlexTest, GroupsGoToZeroIndependently) {
  PlanOptions o = Flex();
  o.idle_timeout = 1min;
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady, "http");
  w.Add(InstanceState::kReady, "function:orders");
  w.obs().triggers = {{"orders", "queueTrigger", 1, ""}};
  w.Step();
  w.Advance(1min);
  w.Step();
  EXPECT_EQ(w.Serving("http"), 0);
  EXPECT_EQ(w.group("http").actions[0].reason, "scale to zero after 60s idle, draining i-1");
  EXPECT_EQ(w.Serving("function:orders"), 1);
}

TEST(FlexTest, AlwaysReadyPerGroupIsAFloor) {
  PlanOptions o = Flex();
  o.always_ready_groups = {{"http", 2}, {"function:orders", 1}};
  o.idle_timeout = 1min;
  ScaleWorld w(MustValidate(o));
  w.Step();
  EXPECT_EQ(w.Serving("http"), 2);
  EXPECT_EQ(w.Serving("function:orders"), 1);
  EXPECT_EQ(w.group("http").reason, "flex always-ready http 2");
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 0);  // flex has no pre-warmed buffer

  // Above the floor, on-demand instances come and go; the floor stays.
  w.obs().http_inflight = 16 * 4;
  w.Step();
  EXPECT_EQ(w.Serving("http"), 4);
  w.obs().http_inflight = 0;
  for (int s = 0; s < 300; ++s) {
    w.Advance(1s);
    w.Step();
  }
  EXPECT_EQ(w.Serving("http"), 2);
  EXPECT_EQ(w.Serving("function:orders"), 1);
}

TEST(FlexTest, HttpTargetFollowsMemoryAndLanguage) {
  PlanOptions o = Flex();
  o.instance_memory_mb = 4096;
  ScaleWorld big(MustValidate(o));
  big.obs().http_inflight = 64;
  big.Step();
  EXPECT_EQ(big.Serving("http"), 2);

  ScaleWorld python(MustValidate(Flex()), AppTraits{true, std::nullopt});
  python.obs().http_inflight = 5;
  python.Step();
  EXPECT_EQ(python.Serving("http"), 5);
}

TEST(FlexTest, HttpScaleOutIsRateLimitedPerGroup) {
  PlanOptions o;
  o.plan = "flex";
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady, "http", 16);
  w.Add(InstanceState::kReady, "function:orders", 1);
  w.obs().http_inflight = 64;
  w.obs().triggers = {{"orders", "queueTrigger", 3, ""}};
  w.Step();
  EXPECT_EQ(w.Serving("http"), 2);
  EXPECT_EQ(w.Serving("function:orders"), 2);
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving("http"), 3);
  EXPECT_EQ(w.Serving("function:orders"), 2);  // 30 s for non-HTTP triggers
}

}  // namespace
}  // namespace squall
