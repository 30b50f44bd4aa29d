#include "scale/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

PlanOptions Plan(const char* kind) {
  PlanOptions o;
  o.plan = kind;
  return o;
}

std::string ErrorOf(const PlanOptions& o) {
  auto c = ValidatePlan(o);
  EXPECT_FALSE(c.ok()) << "expected an error";
  return c.ok() ? std::string() : c.status().message();
}

TEST(PlanTest, ConsumptionDefaults) {
  auto c = ValidatePlan({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, PlanKind::kConsumption);
  EXPECT_EQ(c->instance.memory_mb, 1536);
  EXPECT_EQ(c->instance.cores, 1);
  EXPECT_EQ(c->max_instances, 200);
  EXPECT_EQ(c->max_instances_rule, "plan maximum 200");
  EXPECT_EQ(c->idle_timeout, 5min);
  EXPECT_EQ(c->decision_interval, 1s);
  EXPECT_EQ(c->scale_in_delay, 60s);
  EXPECT_EQ(c->http_rate_limit, 1s);
  EXPECT_EQ(c->other_rate_limit, 30s);
  EXPECT_EQ(c->drain_grace, 10min);
  EXPECT_EQ(c->prewarmed, 0);
  EXPECT_EQ(c->ReadyFloor("app"), 0);
}

TEST(PlanTest, FlexDefaultsAndSizes) {
  auto c = ValidatePlan(Plan("flex"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->instance.memory_mb, 2048);
  EXPECT_EQ(c->max_instances, 100);
  EXPECT_EQ(c->max_instances_rule, "flex default maximum 100");
  EXPECT_EQ(c->drain_grace, 60min);

  PlanOptions big = Plan("flex");
  big.instance_memory_mb = 4096;
  big.scale_limit = 1000;
  c = ValidatePlan(big);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->instance.memory_mb, 4096);
  EXPECT_EQ(c->max_instances, 1000);

  PlanOptions unlimited = Plan("flex");
  unlimited.scale_limit = 0;  // 0 = no app limit: the plan maximum
  c = ValidatePlan(unlimited);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->max_instances, 1000);
  EXPECT_EQ(c->max_instances_rule, "plan maximum 1000");
}

TEST(PlanTest, PremiumSkus) {
  PlanOptions o = Plan("Premium");  // plan names ignore case
  auto c = ValidatePlan(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sku, PremiumSku::kEP1);
  EXPECT_EQ(c->instance.cores, 1);
  EXPECT_EQ(c->instance.memory_mb, 3584);
  EXPECT_EQ(c->prewarmed, 1);
  EXPECT_EQ(c->max_burst, 20);
  EXPECT_EQ(c->max_instances_rule, "max burst 20");
  EXPECT_EQ(c->ReadyFloor("app"), 1);  // at least one instance, always
  EXPECT_EQ(c->drain_grace, 60min);

  o.sku = "EP2";
  c = ValidatePlan(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->instance.cores, 2);
  EXPECT_EQ(c->instance.memory_mb, 7168);
  o.sku = "ep3";
  c = ValidatePlan(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->instance.cores, 4);
  EXPECT_EQ(c->instance.memory_mb, 14336);
  EXPECT_EQ(std::string(PremiumSkuName(*c->sku)), "EP3");
}

TEST(PlanTest, PremiumAlwaysReadyBurstAndLimit) {
  PlanOptions o = Plan("premium");
  o.always_ready = 2;
  o.prewarmed = 3;
  o.max_burst = 10;
  o.scale_limit = 5;
  auto c = ValidatePlan(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ReadyFloor("app"), 2);
  EXPECT_EQ(c->prewarmed, 3);
  EXPECT_EQ(c->max_instances, 5);
  EXPECT_EQ(c->max_instances_rule, "scale limit 5");
}

TEST(PlanTest, DedicatedFixedCount) {
  PlanOptions o = Plan("dedicated");
  o.instances = 3;
  o.instance_memory_mb = 8192;
  o.instance_cores = 2;
  auto c = ValidatePlan(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->fixed_instances, 3);
  EXPECT_EQ(c->max_instances, 3);
  EXPECT_EQ(c->ReadyFloor("app"), 3);
  EXPECT_EQ(c->instance.memory_mb, 8192);
  EXPECT_EQ(c->instance.cores, 2);
  EXPECT_EQ(ValidatePlan(Plan("dedicated"))->fixed_instances, 1);
}

TEST(PlanTest, ScaleLimitFromAppSettingTheStricterWins) {
  PlanOptions o;
  o.max_scale_out_setting = "7";
  EXPECT_EQ(ValidatePlan(o)->max_instances, 7);
  o.scale_limit = 4;
  EXPECT_EQ(ValidatePlan(o)->max_instances, 4);
  o.scale_limit = 0;  // no limit from the flag; the setting still applies
  EXPECT_EQ(ValidatePlan(o)->max_instances, 7);
  o.max_scale_out_setting = "lots";
  EXPECT_THAT(ErrorOf(o), HasSubstr("WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT: expected a whole "
                                    "number, got \"lots\""));
  o.max_scale_out_setting = "201";
  EXPECT_THAT(ErrorOf(o), HasSubstr("WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT: must be 0"));
}

TEST(PlanTest, RejectsOptionsOfOtherPlans) {
  PlanOptions o;
  o.sku = "EP1";
  EXPECT_EQ(ErrorOf(o), "--sku applies to the premium plan only (plan is consumption)");

  o = {};
  o.instances = 2;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--instances applies to the dedicated plan only"));

  o = Plan("flex");
  o.prewarmed = 1;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--prewarmed applies to the premium plan only (plan is flex)"));

  o = Plan("flex");
  o.max_burst = 5;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--max-burst applies to the premium plan only"));
  EXPECT_THAT(ErrorOf(o), HasSubstr("use --scale-limit for flex"));

  o = {};
  o.always_ready = 1;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--always-ready applies to the premium and flex plans only"));

  o = Plan("premium");
  o.instance_memory_mb = 2048;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--instance-memory applies to the flex and dedicated plans"));

  o = Plan("premium");
  o.idle_timeout = 1min;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--idle-timeout applies to the consumption and flex plans"));

  o = Plan("dedicated");
  o.scale_limit = 3;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--scale-limit does not apply to the dedicated plan"));

  o = {};
  o.instance_cores = 2;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--instance-cores applies to the dedicated plan only"));
}

TEST(PlanTest, RejectsBadValues) {
  PlanOptions o = Plan("cloud");
  EXPECT_THAT(ErrorOf(o), HasSubstr("--plan: unknown plan \"cloud\""));

  o = Plan("premium");
  o.sku = "EP4";
  EXPECT_THAT(ErrorOf(o), HasSubstr("--sku: expected EP1, EP2 or EP3, got \"EP4\""));

  o = Plan("premium");
  o.always_ready = 21;
  EXPECT_THAT(ErrorOf(o),
              HasSubstr("--always-ready: at most 20 always-ready instances on premium"));

  o = Plan("premium");
  o.always_ready = 3;
  o.max_burst = 2;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--max-burst 2 is below --always-ready 3"));

  o = Plan("premium");
  o.scale_limit = 30;  // default burst 20
  EXPECT_THAT(ErrorOf(o), HasSubstr("--scale-limit 30 exceeds the plan's --max-burst 20"));

  o = Plan("premium");
  o.max_burst = 101;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--max-burst: must be 1..100"));

  o = {};
  o.scale_limit = 201;
  EXPECT_THAT(ErrorOf(o),
              HasSubstr("--scale-limit: must be 0 (no limit) or 1..200 on consumption"));

  o = Plan("flex");
  o.scale_limit = 1001;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--scale-limit: must be 0 (no limit) or 1..1000 on flex"));

  o = Plan("flex");
  o.instance_memory_mb = 3000;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--instance-memory: flex instances have 2048 or 4096 MB"));

  o = Plan("dedicated");
  o.instances = 0;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--instances: must be 1..100"));

  o = {};
  o.decision_interval = 0s;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--decision-interval: must be more than 0"));

  o = {};
  o.drain_grace = 11min;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--drain-grace: at most 10m on consumption, got 11m"));

  o = {};
  o.scale_in_delay = -1s;
  EXPECT_THAT(ErrorOf(o), HasSubstr("--scale-in-delay: must be at least 0"));
}

TEST(PlanTest, ReportsEveryProblemAtOnce) {
  PlanOptions o;
  o.sku = "EP1";
  o.prewarmed = 2;
  o.instances = 3;
  const std::string e = ErrorOf(o);
  EXPECT_THAT(e, HasSubstr("--sku"));
  EXPECT_THAT(e, HasSubstr("--prewarmed"));
  EXPECT_THAT(e, HasSubstr("--instances"));
}

TEST(PlanTest, RateLimitsAndWindowsAreConfigurable) {
  PlanOptions o;
  o.http_rate_limit = 0s;  // no limit, for tests
  o.other_rate_limit = 2s;
  o.scale_in_delay = 0s;
  o.idle_timeout = 30s;
  o.decision_interval = 250ms;
  auto c = ValidatePlan(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http_rate_limit, 0s);
  EXPECT_EQ(c->other_rate_limit, 2s);
  EXPECT_EQ(c->scale_in_delay, 0s);
  EXPECT_EQ(c->idle_timeout, 30s);
  EXPECT_EQ(c->decision_interval, 250ms);
}

TEST(PlanTest, FlexAlwaysReadyPerGroup) {
  PlanOptions o = Plan("flex");
  o.always_ready_groups = {{"blob", 1}, {"function:orders", 2}};
  o.always_ready = 3;  // a bare count is the http group's
  auto c = ValidatePlan(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ReadyFloor("http"), 3);
  EXPECT_EQ(c->ReadyFloor("blob"), 1);
  EXPECT_EQ(c->ReadyFloor("function:orders"), 2);
  EXPECT_EQ(c->ReadyFloor("function:other"), 0);

  o.always_ready_groups["http"] = 1;
  EXPECT_THAT(ErrorOf(o), HasSubstr("also given by name"));

  o = Plan("flex");
  o.always_ready_groups = {{"queue", 1}};
  EXPECT_THAT(ErrorOf(o), HasSubstr("--always-ready: unknown scale group \"queue\""));

  o = Plan("flex");
  o.scale_limit = 3;
  o.always_ready_groups = {{"http", 2}, {"blob", 2}};
  EXPECT_THAT(ErrorOf(o), HasSubstr("4 instances in all groups exceed the app's maximum 3"));
}

TEST(PlanTest, ParsesAlwaysReadyGroups) {
  auto g = ParseAlwaysReadyGroups("http=2,function:orders=1");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->at("http"), 2);
  EXPECT_EQ(g->at("function:orders"), 1);
  g = ParseAlwaysReadyGroups("4");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->at("http"), 4);
  EXPECT_FALSE(ParseAlwaysReadyGroups("http").ok());
  EXPECT_FALSE(ParseAlwaysReadyGroups("queue=1").ok());
  EXPECT_FALSE(ParseAlwaysReadyGroups("http=-1").ok());
  EXPECT_FALSE(ParseAlwaysReadyGroups("http=1,http=2").ok());
  EXPECT_FALSE(ParseAlwaysReadyGroups("").ok());
}

}  // namespace
}  // namespace squall
