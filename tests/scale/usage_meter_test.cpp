#include "scale/usage_meter.h"

#include <gtest/gtest.h>

#include <chrono>

#include "scale_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

PlanConfig PlanOf(const char* kind, const char* sku = nullptr) {
  PlanOptions o;
  o.plan = kind;
  if (sku != nullptr) o.sku = sku;
  return MustValidate(o);
}

TEST(UsageMeterTest, ConsumptionChargesInstanceMemoryTimesExecutionTime) {
  const PlanConfig plan = PlanOf("consumption");  // 1.5 GB
  UsageTotals t;
  t = AddExecution(t, plan, 2s);
  t = AddExecution(t, plan, 500ms);
  EXPECT_EQ(t.executions, 2);
  EXPECT_DOUBLE_EQ(t.execution_gb_seconds, 1.5 * 2.5);
  t = AddInstanceTime(t, plan, 1h);  // instances themselves are not billed
  EXPECT_DOUBLE_EQ(t.instance_core_seconds, 0);
  EXPECT_DOUBLE_EQ(t.instance_gb_seconds, 0);
}

TEST(UsageMeterTest, ReportedExecutionsCountLikeSingleOnes) {
  const PlanConfig plan = PlanOf("consumption");
  UsageTotals t = AddExecutions({}, plan, 3, 2500ms);  // a host's queue executions together
  EXPECT_EQ(t.executions, 3);
  EXPECT_DOUBLE_EQ(t.execution_gb_seconds, 1.5 * 2.5);
  EXPECT_EQ(AddExecutions(t, plan, 0, 1s).executions, 3);
  UsageTotals premium = AddExecutions({}, PlanOf("premium", "EP1"), 4, 1s);
  EXPECT_EQ(premium.executions, 4) << "counted on every plan";
  EXPECT_DOUBLE_EQ(premium.execution_gb_seconds, 0) << "charged only where executions are billed";
}

TEST(UsageMeterTest, FlexUsesItsInstanceMemory) {
  PlanOptions o;
  o.plan = "flex";
  o.instance_memory_mb = 4096;
  UsageTotals t = AddExecution({}, MustValidate(o), 1s);
  EXPECT_DOUBLE_EQ(t.execution_gb_seconds, 4.0);
}

TEST(UsageMeterTest, PremiumChargesEveryInstanceAlive) {
  const PlanConfig plan = PlanOf("premium", "EP2");  // 2 cores, 7 GB
  UsageTotals t = AddInstanceTime({}, plan, 10s, 3);
  EXPECT_DOUBLE_EQ(t.instance_core_seconds, 60);
  EXPECT_DOUBLE_EQ(t.instance_gb_seconds, 210);
  t = AddExecution(t, plan, 5s);
  EXPECT_EQ(t.executions, 1);
  EXPECT_DOUBLE_EQ(t.execution_gb_seconds, 0);  // no execution charge on premium
}

TEST(UsageMeterTest, AccruesInstancesOfAnyStateFromWhenTheyStarted) {
  const PlanConfig plan = PlanOf("premium");  // EP1: 1 core, 3.5 GB
  const MonoTime from{1h};
  std::vector<InstanceView> instances = {
      {"always-ready", "app", InstanceState::kReady, MonoTime{}, 0},
      {"buffer", "app", InstanceState::kPrewarmed, from + 4s, 0},
      {"leaving", "app", InstanceState::kDraining, MonoTime{}, 1},
      {"later", "app", InstanceState::kStarting, from + 20s, 0},  // after `to`: nothing
  };
  UsageTotals t = AccrueInstances({}, plan, instances, from, from + 10s);
  EXPECT_DOUBLE_EQ(t.instance_core_seconds, 10 + 6 + 10);
  EXPECT_DOUBLE_EQ(t.instance_gb_seconds, 3.5 * 26);
}

TEST(UsageMeterTest, DedicatedUsesTheGivenSize) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instance_cores = 2;
  o.instance_memory_mb = 4096;
  UsageTotals t = AddInstanceTime({}, MustValidate(o), 1s, 2);
  EXPECT_DOUBLE_EQ(t.instance_core_seconds, 4);
  EXPECT_DOUBLE_EQ(t.instance_gb_seconds, 8);
}

TEST(UsageMeterTest, PricesComeFromTheCallersTable) {
  UsageTotals t;
  t.executions = 3'000'000;
  t.execution_gb_seconds = 500'000;
  t.instance_core_seconds = 100;
  t.instance_gb_seconds = 350;
  PriceTable p;
  p.per_million_executions = 0.20;
  p.per_execution_gb_second = 0.000016;
  p.free_executions = 1'000'000;
  p.free_execution_gb_seconds = 400'000;
  p.per_core_second = 0.000173;
  p.per_gb_second = 0.0000123;
  const UsageCost c = PriceUsage(t, p);
  EXPECT_DOUBLE_EQ(c.executions, 2 * 0.20);
  EXPECT_DOUBLE_EQ(c.execution_gb_seconds, 100'000 * 0.000016);
  EXPECT_DOUBLE_EQ(c.core_seconds, 100 * 0.000173);
  EXPECT_DOUBLE_EQ(c.gb_seconds, 350 * 0.0000123);
  EXPECT_DOUBLE_EQ(c.total(),
                   c.executions + c.execution_gb_seconds + c.core_seconds + c.gb_seconds);

  UsageTotals small;
  small.executions = 10;
  EXPECT_DOUBLE_EQ(PriceUsage(small, p).total(), 0);  // inside the free grant
}

}  // namespace
}  // namespace squall
