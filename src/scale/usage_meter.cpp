#include "scale/usage_meter.h"

#include <algorithm>
#include <chrono>

namespace squall {

namespace {

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

bool BilledPerExecution(PlanKind kind) {
  return kind == PlanKind::kConsumption || kind == PlanKind::kFlex;
}

}  // namespace

UsageTotals AddExecution(UsageTotals totals, const PlanConfig& plan, Duration execution_time) {
  totals.executions += 1;
  if (BilledPerExecution(plan.kind)) {
    totals.execution_gb_seconds +=
        plan.instance.memory_gb() * Seconds(std::max(execution_time, Duration::zero()));
  }
  return totals;
}

UsageTotals AddExecutions(UsageTotals totals, const PlanConfig& plan, std::int64_t count,
                          Duration total_time) {
  if (count <= 0) return totals;
  totals.executions += count;
  if (BilledPerExecution(plan.kind)) {
    totals.execution_gb_seconds +=
        plan.instance.memory_gb() * Seconds(std::max(total_time, Duration::zero()));
  }
  return totals;
}

UsageTotals AddInstanceTime(UsageTotals totals, const PlanConfig& plan, Duration alive,
                            int instances) {
  if (BilledPerExecution(plan.kind) || alive <= Duration::zero() || instances <= 0) return totals;
  const double instance_seconds = Seconds(alive) * instances;
  totals.instance_core_seconds += plan.instance.cores * instance_seconds;
  totals.instance_gb_seconds += plan.instance.memory_gb() * instance_seconds;
  return totals;
}

UsageTotals AccrueInstances(UsageTotals totals, const PlanConfig& plan,
                            const std::vector<InstanceView>& instances, MonoTime from,
                            MonoTime to) {
  for (const InstanceView& i : instances) {
    totals = AddInstanceTime(totals, plan, to - std::max(from, i.started_at));
  }
  return totals;
}

UsageCost PriceUsage(const UsageTotals& totals, const PriceTable& prices) {
  UsageCost c;
  const double executions =
      std::max(0.0, static_cast<double>(totals.executions) - prices.free_executions);
  const double gb_s = std::max(0.0, totals.execution_gb_seconds - prices.free_execution_gb_seconds);
  c.executions = executions / 1e6 * prices.per_million_executions;
  c.execution_gb_seconds = gb_s * prices.per_execution_gb_second;
  c.core_seconds = totals.instance_core_seconds * prices.per_core_second;
  c.gb_seconds = totals.instance_gb_seconds * prices.per_gb_second;
  return c;
}

}  // namespace squall
