// Premium plan: always-ready floor, pre-warmed buffer, promotion, max burst.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "scale/scale_policy.h"
#include "scale_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

PlanOptions Premium(int always_ready = 0) {
  PlanOptions o;
  o.plan = "premium";
  if (always_ready > 0) o.always_ready = always_ready;
  return o;
}

TEST(PremiumTest, StartsTheAlwaysReadyFloorAndTheBufferAtOnce) {
  ScaleWorld w(MustValidate(Premium(2)));
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);  // kept even while idle
  EXPECT_THAT(w.group().reason, HasSubstr("premium always-ready floor 2"));
  EXPECT_THAT(w.group().reason, HasSubstr("prewarmed refill: +1 to keep 1 warm"));
  // The floor is no scale-out: those instances do not run a warmup trigger.
  for (const ScaleAction& a : w.group().actions) {
    if (a.kind == ScaleActionKind::kStartReady) {
      EXPECT_FALSE(a.scale_out);
    }
  }
}

TEST(PremiumTest, AlwaysAtLeastOneInstance) {
  ScaleWorld w(MustValidate(Premium()));
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_THAT(w.group().reason, HasSubstr("premium always-ready floor 1"));
}

TEST(PremiumTest, NeverBelowTheFloor) {
  ScaleWorld w(MustValidate(Premium(2)));
  w.Step();
  w.ReadyAll();
  for (int m = 0; m < 120; ++m) {
    w.Advance(1min);
    w.Step();
    ASSERT_THAT(w.group().actions, IsEmpty()) << m;
  }
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_EQ(w.group().reason, "premium always-ready floor 2");
}

TEST(PremiumTest, BufferIsFilledWhenTheReadyOnesTakeLoad) {
  ScaleWorld w(MustValidate(Premium()));
  w.Add(InstanceState::kReady, "app", 10);
  w.obs().http_inflight = 10;  // well below one instance's target: no scale-out
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
  EXPECT_EQ(w.group().Starts(ScaleActionKind::kStartReady), 0);
  EXPECT_THAT(w.group().reason, HasSubstr("prewarmed refill: +1 to keep 1 warm"));
}

TEST(PremiumTest, ScaleOutPromotesThePrewarmedFirstAndRefillsTheBuffer) {
  ScaleWorld w(MustValidate(Premium()));
  w.Add(InstanceState::kReady, "app", 100);  // i-1
  w.Add(InstanceState::kPrewarmed);          // i-2
  w.obs().http_inflight = 150;               // wants 2
  w.Step();
  const auto& a = w.group().actions;
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, ScaleActionKind::kPromote);
  EXPECT_EQ(a[0].instance_id, "i-2");
  EXPECT_THAT(a[0].reason, HasSubstr("prewarmed promoted: i-2"));
  EXPECT_EQ(a[1].kind, ScaleActionKind::kStartPrewarmed);
  EXPECT_EQ(a[1].count, 1);
  EXPECT_THAT(a[1].reason, HasSubstr("prewarmed refill"));
  EXPECT_EQ(w.Find("i-2")->state, InstanceState::kReady);
  EXPECT_EQ(w.Count(InstanceState::kReady), 2);
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
  EXPECT_EQ(w.Count(InstanceState::kStarting), 0);  // no cold instance was needed
}

TEST(PremiumTest, PromotionIsNotRateLimitedButNewInstancesAre) {
  ScaleWorld w(MustValidate(Premium()));
  w.Add(InstanceState::kReady, "app", 100);  // i-1
  w.Add(InstanceState::kPrewarmed);          // i-2
  w.state().groups["app"].last_http_scale_out = w.now() - 500ms;
  w.obs().http_inflight = 400;  // wants 4
  w.Step();
  EXPECT_EQ(w.group().Starts(ScaleActionKind::kStartReady), 0);
  EXPECT_EQ(w.Count(InstanceState::kReady), 2);  // i-2 promoted at once
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
  EXPECT_THAT(w.group().reason, HasSubstr("rate limit: next HTTP scale-out at +0.5s"));

  w.Advance(500ms);
  w.Step();  // the refilled buffer (i-3) is promoted, plus one new ready instance
  EXPECT_EQ(w.Find("i-3")->state, InstanceState::kReady);
  EXPECT_EQ(w.group().Starts(ScaleActionKind::kStartReady), 1);
  EXPECT_EQ(w.Serving(), 4);
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
}

TEST(PremiumTest, BufferIsKeptWhenTheAppGoesIdle) {
  ScaleWorld w(MustValidate(Premium()));
  w.Add(InstanceState::kReady, "app", 1);
  w.obs().http_inflight = 1;
  w.Step();
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
  w.obs().http_inflight = 0;
  w.obs().instances[0].inflight = 0;
  for (int m = 0; m < 60; ++m) {
    w.Advance(1min);
    w.Step();
  }
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);
  EXPECT_EQ(w.Serving(), 1);
}

TEST(PremiumTest, MaxBurstCountsAlwaysReadyAndPrewarmed) {
  PlanOptions o = Premium(2);
  o.max_burst = 3;
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady, "app", 100);
  w.Add(InstanceState::kReady, "app", 100);
  w.obs().http_inflight = 200;
  w.Step();
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);  // 3 = the burst
  w.obs().http_inflight = 1000;
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Count(InstanceState::kReady), 3);  // the buffer was promoted
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 0);
  EXPECT_THAT(w.group().reason, HasSubstr("max burst 3: desired 10 capped at 3"));
  EXPECT_THAT(w.group().reason, HasSubstr("prewarmed buffer held at 0: max burst 3"));
  w.Advance(1s);
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
}

TEST(PremiumTest, LostAlwaysReadyInstanceIsReplacedAtOnce) {
  ScaleWorld w(MustValidate(Premium(2)));
  w.Add(InstanceState::kReady);
  w.Add(InstanceState::kReady);
  w.state().groups["app"].last_http_scale_out = w.now();  // rate limits do not apply to floors
  w.Kill("i-1");
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_THAT(w.group().reason, HasSubstr("premium always-ready floor 2"));
  for (const ScaleAction& a : w.group().actions) EXPECT_FALSE(a.scale_out);  // a replacement
}

TEST(PremiumTest, LostInstanceIsReplacedFromTheBufferFirst) {
  ScaleWorld w(MustValidate(Premium(2)));
  w.Add(InstanceState::kReady, "app", 1);
  w.Add(InstanceState::kReady, "app", 1);
  w.Add(InstanceState::kPrewarmed);  // i-3
  w.obs().http_inflight = 2;
  w.Kill("i-1");
  w.Step();
  EXPECT_EQ(w.Find("i-3")->state, InstanceState::kReady);
  EXPECT_EQ(w.Count(InstanceState::kStarting), 0);
  EXPECT_EQ(w.Count(InstanceState::kPrewarmed), 1);  // refilled
}

TEST(PremiumTest, ScaleInStopsAtTheFloor) {
  PlanOptions o = Premium(2);
  o.scale_in_delay = 0s;
  ScaleWorld w(MustValidate(o));
  for (int k = 0; k < 5; ++k) w.Add(InstanceState::kReady);
  for (int k = 0; k < 10; ++k) w.Step();
  EXPECT_EQ(w.Serving(), 2);
}

}  // namespace
}  // namespace squall
