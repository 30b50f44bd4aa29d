#include "scale/drain_policy.h"

#include <fmt/format.h>

#include "scale/duration_flag.h"

namespace squall {

DrainVerdict CheckDrain(const PlanConfig& plan, int inflight, MonoTime drain_started,
                        MonoTime now) {
  DrainVerdict v;
  v.deadline = drain_started + plan.drain_grace;
  if (inflight <= 0) {
    v.stop = true;
    v.reason = fmt::format("drained: idle after {}", FormatSeconds(now - drain_started));
  } else if (now >= v.deadline) {
    v.stop = true;
    v.reason = fmt::format("drain grace {} expired with {} in flight",
                           FormatDurationFlag(plan.drain_grace), inflight);
  } else {
    v.reason = fmt::format("draining: {} in flight, grace ends in {}", inflight,
                           FormatSeconds(v.deadline - now));
  }
  return v;
}

}  // namespace squall
