// Consumption-plan behaviour of Decide (the "app" group), plus rules shared by all plans.
#include "scale/scale_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "scale_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

PlanOptions Consumption() { return {}; }

TEST(HttpTargetTest, PerInstanceTargets) {
  const PlanConfig consumption = MustValidate({});
  EXPECT_EQ(HttpTargetPerInstance(consumption, {}), 100);
  EXPECT_EQ(HttpTargetPerInstance(consumption, {false, 8}), 8);
  EXPECT_EQ(HttpTargetPerInstance(consumption, {false, -1}), 100);  // -1 = unbounded in host.json
  EXPECT_EQ(HttpTargetPerInstance(consumption, {true, std::nullopt}), 100);

  PlanOptions flex;
  flex.plan = "flex";
  EXPECT_EQ(HttpTargetPerInstance(MustValidate(flex), {}), 16);
  EXPECT_EQ(HttpTargetPerInstance(MustValidate(flex), {false, 8}), 16);  // flex ignores host.json
  EXPECT_EQ(HttpTargetPerInstance(MustValidate(flex), {true, std::nullopt}), 1);
  flex.instance_memory_mb = 4096;
  EXPECT_EQ(HttpTargetPerInstance(MustValidate(flex), {}), 32);
}

TEST(ScalePolicyTest, DesiredIsCeilOfInFlightOverTarget) {
  PlanOptions o;
  o.http_rate_limit = 0s;
  ScaleWorld w(MustValidate(o), AppTraits{false, 16});
  w.obs().http_inflight = 130;
  w.Step();
  EXPECT_EQ(w.group().load_desired, 9);
  EXPECT_EQ(w.Serving(), 9);
  EXPECT_THAT(w.group().reason, HasSubstr("http: 130 in flight / target 16 per instance → 9"));
}

TEST(ScalePolicyTest, FirstRequestAtZeroStartsAnInstanceAtOnce) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Step();
  EXPECT_EQ(w.Serving(), 0);
  EXPECT_EQ(w.group().reason, "idle at zero");

  // Scaled to zero a moment ago: the rate limit still does not delay the first instance.
  w.state().groups["app"].last_http_scale_out = w.now() - 100ms;
  w.obs().http_inflight = 1;
  const ScaleDecision& d = w.Step();
  ASSERT_EQ(d.groups.size(), 1u);
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].kind, ScaleActionKind::kStartReady);
  EXPECT_EQ(w.group().actions[0].count, 1);
  EXPECT_FALSE(w.group().actions[0].scale_out);  // a cold start is no scale-out (warmup trigger)
  EXPECT_THAT(w.group().reason, HasSubstr("cold start"));
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_EQ(d.next_decision_at, w.now() + 1s);
}

TEST(ScalePolicyTest, QueueWorkAtZeroAlsoStartsAtOnce) {
  ScaleWorld w(MustValidate(Consumption()));
  w.state().groups["app"].last_other_scale_out = w.now() - 1s;  // 30 s limit not over
  w.obs().triggers = {{"orders", "queueTrigger", 3, "queue 'orders' length 48"}};
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_THAT(w.group().reason, HasSubstr("cold start: orders: queue 'orders' length 48 → 3"));
}

TEST(ScalePolicyTest, HttpScaleOutAtMostOneInstancePerSecond) {
  ScaleWorld w(MustValidate(Consumption()));
  w.obs().http_inflight = 1000;  // wants 10
  w.Step();
  EXPECT_EQ(w.Serving(), 1);  // from zero
  w.ReadyAll();

  w.Advance(600ms);
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_THAT(w.group().actions, IsEmpty());
  EXPECT_THAT(w.group().reason, HasSubstr("rate limit: next HTTP scale-out at +0.4s"));

  w.Advance(400ms);
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_THAT(w.group().reason, HasSubstr("scale out +1: http: 1000 in flight"));
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_TRUE(w.group().actions[0].scale_out);

  for (int s = 0; s < 20; ++s) {
    w.Advance(1s);
    w.Step();
  }
  EXPECT_EQ(w.Serving(), 10);  // one a second, then steady
  EXPECT_THAT(w.group().reason, HasSubstr("steady: 10 for desired 10"));
}

TEST(ScalePolicyTest, OtherTriggersScaleOutAtMostOnePer30Seconds) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady, "app", 1);
  w.obs().triggers = {{"orders", "queueTrigger", 4, "queue 'orders' length 512"}};
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_THAT(w.group().reason, HasSubstr("scale out +1: orders: queue 'orders' length 512 → 4"));

  w.Advance(29s);
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  EXPECT_THAT(w.group().reason,
              HasSubstr("rate limit: next scale-out for other triggers at +1s (orders: queue "
                        "'orders' length 512 → 4)"));
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
}

TEST(ScalePolicyTest, RateLimitsAreConfigurableAndZeroMeansNone) {
  PlanOptions o;
  o.http_rate_limit = 0s;
  o.other_rate_limit = 5s;
  ScaleWorld w(MustValidate(o));
  w.obs().http_inflight = 450;
  w.Step();
  EXPECT_EQ(w.Serving(), 5);  // all at once

  w.obs().http_inflight = 0;
  w.obs().triggers = {{"orders", "queueTrigger", 8, ""}};
  w.Step();
  EXPECT_EQ(w.Serving(), 6);
  w.Advance(4s);
  w.Step();
  EXPECT_EQ(w.Serving(), 6);
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 7);
}

TEST(ScalePolicyTest, HttpAndOtherRateLimitsAreSeparate) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady, "app", 1);
  w.obs().triggers = {{"orders", "queueTrigger", 5, ""}};
  w.Step();  // other-trigger scale-out at t
  EXPECT_EQ(w.Serving(), 2);
  w.obs().http_inflight = 500;
  w.Advance(1s);
  w.Step();  // HTTP may still add one a second
  EXPECT_EQ(w.Serving(), 3);
}

TEST(ScalePolicyTest, ScalesToZeroAfterIdleTimeoutAndNotBefore) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady);
  w.Step();  // idle clock starts
  w.Advance(4min + 59s);
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  EXPECT_THAT(w.group().reason, HasSubstr("warm: idle 299s of 5m"));

  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 0);
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].kind, ScaleActionKind::kDrain);
  EXPECT_EQ(w.group().actions[0].reason, "scale to zero after 5m idle, draining i-1");
}

TEST(ScalePolicyTest, WorkRestartsTheIdleClock) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady);
  w.Step();
  w.Advance(4min);
  w.obs().instances[0].inflight = 1;  // a queue message being processed
  w.Step();
  w.obs().instances[0].inflight = 0;
  w.Advance(1s);
  w.Step();
  w.Advance(4min + 59s);
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 0);
}

TEST(ScalePolicyTest, TriggerWantingInstancesKeepsTheAppWarm) {
  PlanOptions o;
  o.idle_timeout = 10s;
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady);
  w.obs().triggers = {{"orders", "queueTrigger", 1, "queue 'orders' length 1"}};
  for (int s = 0; s < 30; ++s) {
    w.Step();
    w.Advance(1s);
  }
  EXPECT_EQ(w.Serving(), 1);
}

TEST(ScalePolicyTest, ScaleInOneAtATimeAfterTheStabilisationWindow) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady, "app", 1);
  w.Add(InstanceState::kReady, "app", 1);
  w.Add(InstanceState::kReady, "app", 1);
  w.obs().http_inflight = 3;  // wants 1, has 3
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
  EXPECT_THAT(w.group().reason, HasSubstr("scale-in pending: desired 1 below 3 for 0s of 60s"));
  for (int s = 1; s < 60; ++s) {
    w.Advance(1s);
    w.Step();
    ASSERT_THAT(w.group().actions, IsEmpty()) << s;
  }
  w.Advance(1s);
  w.Step();
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].kind, ScaleActionKind::kDrain);
  EXPECT_EQ(w.group().actions[0].reason,
            "scale-in: load below 3 for 60s (desired 1), draining i-3");
  EXPECT_EQ(w.Serving(), 2);

  // The next one waits another full window.
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  w.Advance(58s);
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 1);
}

TEST(ScalePolicyTest, LoadBlipRestartsTheStabilisationWindow) {
  ScaleWorld w(MustValidate(Consumption()));
  for (int k = 0; k < 3; ++k) w.Add(InstanceState::kReady, "app", 1);
  w.obs().http_inflight = 3;
  w.Step();
  w.Advance(40s);
  w.obs().http_inflight = 300;  // a blip: wants 3 again
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
  w.obs().http_inflight = 3;
  w.Advance(1s);
  w.Step();
  w.Advance(59s);  // 100 s after the first low decision, 59 s after the blip
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
  w.Advance(1s);
  w.Step();
  EXPECT_EQ(w.Serving(), 2);
}

TEST(ScalePolicyTest, DrainsTheLeastBusyThenTheYoungest) {
  PlanOptions o;
  o.scale_in_delay = 0s;
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady, "app", 0);  // i-1, oldest idle
  w.Advance(1s);
  w.Add(InstanceState::kReady, "app", 5);  // i-2
  w.Advance(1s);
  w.Add(InstanceState::kReady, "app", 0);  // i-3, youngest idle
  w.Add(InstanceState::kReady, "app", 3);  // i-4
  w.obs().http_inflight = 8;               // wants 1
  w.Step();
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].instance_id, "i-3");
  w.Step();
  EXPECT_EQ(w.group().actions[0].instance_id, "i-1");
  w.Step();
  EXPECT_EQ(w.group().actions[0].instance_id, "i-4");
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
  EXPECT_EQ(w.Find("i-2")->state, InstanceState::kReady);
}

TEST(ScalePolicyTest, DeadInstanceIsReplaced) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady, "app", 100);
  w.Add(InstanceState::kReady, "app", 100);
  w.obs().http_inflight = 200;
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
  w.Kill("i-1");  // crashed: the platform stops reporting it
  w.Advance(1s);
  w.Step();
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].kind, ScaleActionKind::kStartReady);
  EXPECT_EQ(w.Serving(), 2);
}

TEST(ScalePolicyTest, DrainingInstancesDoNotCount) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kReady, "app", 100);
  w.Add(InstanceState::kDraining, "app", 7);
  w.obs().http_inflight = 200;
  w.Step();
  EXPECT_EQ(w.group().serving, 1);
  EXPECT_EQ(w.group().Starts(ScaleActionKind::kStartReady), 1);
}

TEST(ScalePolicyTest, StartingInstancesCount) {
  ScaleWorld w(MustValidate(Consumption()));
  w.Add(InstanceState::kStarting);
  w.Add(InstanceState::kStarting);
  w.obs().http_inflight = 150;
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());  // 2 on the way for desired 2
}

TEST(ScalePolicyTest, ScaleLimitCapsScaleOut) {
  PlanOptions o;
  o.scale_limit = 3;
  o.http_rate_limit = 0s;
  ScaleWorld w(MustValidate(o));
  w.obs().http_inflight = 1000;
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
  EXPECT_EQ(w.group().target, 3);
  EXPECT_THAT(w.group().reason, HasSubstr("scale limit 3: desired 10 capped at 3"));
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
  EXPECT_THAT(w.group().actions, IsEmpty());
  EXPECT_THAT(w.group().reason, HasSubstr("scale limit 3"));
}

TEST(ScalePolicyTest, PlanMaximumCapsScaleOut) {
  PlanOptions o;
  o.http_rate_limit = 0s;
  ScaleWorld w(MustValidate(o));
  w.obs().http_inflight = 1'000'000;
  w.Step();
  EXPECT_EQ(w.Serving(), 200);
  EXPECT_THAT(w.group().reason, HasSubstr("plan maximum 200: desired 10000 capped at 200"));
}

TEST(ScalePolicyTest, LoweredScaleLimitScalesInAfterTheWindow) {
  PlanOptions o;
  o.scale_limit = 2;
  ScaleWorld w(MustValidate(o));
  for (int k = 0; k < 4; ++k) w.Add(InstanceState::kReady, "app", 10);
  w.obs().http_inflight = 400;
  w.Step();
  EXPECT_THAT(w.group().reason, HasSubstr("scale limit 2: desired 4 capped at 2"));
  w.Advance(60s);
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
}

TEST(ScalePolicyTest, OnlyTheFirst100TriggersByNameAreWatched) {
  PlanOptions o;
  o.other_rate_limit = 0s;
  ScaleWorld w(MustValidate(o));
  for (int k = 104; k >= 0; --k) {  // any order in; sorted by name inside
    char name[16];
    std::snprintf(name, sizeof name, "fn%03d", k);
    w.obs().triggers.push_back({name, "queueTrigger", k >= 100 ? 50 : 2, ""});
  }
  const ScaleDecision& d = w.Step();
  EXPECT_THAT(d.ignored_triggers, ElementsAre("fn100", "fn101", "fn102", "fn103", "fn104"));
  EXPECT_TRUE(d.warn_ignored_triggers);
  EXPECT_EQ(w.group().load_desired, 2);  // fn100.. want 50 but are not looked at
  EXPECT_EQ(w.Serving(), 2);

  const ScaleDecision& again = w.Step();
  EXPECT_EQ(again.ignored_triggers.size(), 5u);
  EXPECT_FALSE(again.warn_ignored_triggers);  // warned once
}

TEST(ScalePolicyTest, DecisionIsPure) {
  PlanOptions o;
  const PlanConfig plan = MustValidate(o);
  ScaleState state;
  state.groups["app"].last_http_scale_out = MonoTime{1h} - 200ms;
  Observations obs;
  obs.http_inflight = 250;
  obs.instances = {{"a", "app", InstanceState::kReady, MonoTime{}, 100}};
  const ScaleDecision d1 = Decide(plan, {}, state, obs, MonoTime{1h});
  const ScaleDecision d2 = Decide(plan, {}, state, obs, MonoTime{1h});
  ASSERT_EQ(d1.groups.size(), 1u);
  EXPECT_EQ(d1.groups[0].reason, d2.groups[0].reason);
  EXPECT_THAT(d1.groups[0].reason, HasSubstr("rate limit: next HTTP scale-out at +0.8s"));
  EXPECT_THAT(d1.groups[0].reason, Not(HasSubstr("cold start")));
}

TEST(DedicatedTest, FixedCountNeverScales) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 3;
  ScaleWorld w(MustValidate(o));
  w.Step();
  EXPECT_EQ(w.Serving(), 3);  // all at once
  EXPECT_EQ(w.group().reason, "dedicated: fixed at 3, starting 3");
  w.ReadyAll();

  w.obs().http_inflight = 100'000;
  w.obs().triggers = {{"orders", "queueTrigger", 40, ""}};
  w.Advance(1s);
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
  EXPECT_EQ(w.group().reason, "dedicated: fixed at 3");

  w.obs().http_inflight = 0;
  w.obs().triggers.clear();
  w.Advance(1h);
  w.Step();
  EXPECT_EQ(w.Serving(), 3);  // never to zero

  w.Kill("i-2");
  w.Step();
  EXPECT_EQ(w.Serving(), 3);
  EXPECT_EQ(w.group().reason, "dedicated: fixed at 3, starting 1");
}

TEST(DedicatedTest, ExtraInstanceIsDrained) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 2;
  ScaleWorld w(MustValidate(o));
  w.Add(InstanceState::kReady, "app", 3);
  w.Add(InstanceState::kReady, "app", 0);
  w.Add(InstanceState::kReady, "app", 1);
  w.Step();
  ASSERT_EQ(w.group().actions.size(), 1u);
  EXPECT_EQ(w.group().actions[0].reason, "dedicated: fixed at 2, draining i-2");
  w.Step();
  EXPECT_THAT(w.group().actions, IsEmpty());
}

}  // namespace
}  // namespace squall
