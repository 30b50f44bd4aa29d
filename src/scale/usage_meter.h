// Usage as Azure bills it, accumulated by pure functions (old totals in, new totals out), and
// priced from a table the caller passes in (no prices are built in).
//
//   consumption, flex (on demand): executions, and execution GB-seconds = the instance's memory
//     size x execution time. Azure bills the memory an execution actually used (rounded up to
//     128 MB, at least 100 ms); squall does not measure per-execution memory, so it charges the
//     whole instance size: an upper bound, exact for an instance running one execution at a time.
//   premium, dedicated: core-seconds and GB-seconds of every instance alive, whatever its state
//     (starting, always-ready, pre-warmed, ready, draining). Executions are counted, not charged.
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "scale/plan.h"
#include "scale/scale_policy.h"

namespace squall {

struct PriceTable {
  double per_million_executions = 0;   // consumption / flex
  double per_execution_gb_second = 0;  // consumption / flex
  double free_executions = 0;          // free grant, taken off the totals before pricing
  double free_execution_gb_seconds = 0;
  double per_core_second = 0;  // premium / dedicated, per instance alive
  double per_gb_second = 0;    // premium / dedicated, per instance alive
};

struct UsageTotals {
  std::int64_t executions = 0;
  double execution_gb_seconds = 0;
  double instance_core_seconds = 0;
  double instance_gb_seconds = 0;
};

// One finished execution that ran for `execution_time`.
UsageTotals AddExecution(UsageTotals totals, const PlanConfig& plan, Duration execution_time);
// `count` finished executions that ran `total_time` together (what a host reports).
UsageTotals AddExecutions(UsageTotals totals, const PlanConfig& plan, std::int64_t count,
                          Duration total_time);

// `instances` instances alive for `alive` (premium and dedicated; no change on the others).
UsageTotals AddInstanceTime(UsageTotals totals, const PlanConfig& plan, Duration alive,
                            int instances = 1);

// Every instance in `instances` alive over [from, to), each from max(from, started_at).
UsageTotals AccrueInstances(UsageTotals totals, const PlanConfig& plan,
                            const std::vector<InstanceView>& instances, MonoTime from, MonoTime to);

struct UsageCost {
  double executions = 0;
  double execution_gb_seconds = 0;
  double core_seconds = 0;
  double gb_seconds = 0;
  double total() const { return executions + execution_gb_seconds + core_seconds + gb_seconds; }
};

UsageCost PriceUsage(const UsageTotals& totals, const PriceTable& prices);

}  // namespace squall
