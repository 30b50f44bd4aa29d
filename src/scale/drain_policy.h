// When a draining instance stops: as soon as it has no work in flight, or when the plan's drain
// grace (10 min consumption, 60 min flex/premium/dedicated by default) has passed since the
// drain began, whatever is still running. Pure: the caller asks every time it looks.
#pragma once

#include <string>

#include "core/clock.h"
#include "scale/plan.h"

namespace squall {

struct DrainVerdict {
  bool stop = false;
  MonoTime deadline{};  // drain_started + drain_grace: when to ask again at the latest
  std::string reason;   // "drained: idle after 3.2s" | "drain grace 10m expired with 2 in flight"
};

DrainVerdict CheckDrain(const PlanConfig& plan, int inflight, MonoTime drain_started, MonoTime now);

}  // namespace squall
