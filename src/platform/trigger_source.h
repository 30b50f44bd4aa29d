// What the scale controller learns from an app's event-driven triggers (everything but HTTP,
// which the front door measures): each trigger's own target, and a way to tell the triggers
// that an instance is gone (its queue leases can be released at once).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scale/scale_policy.h"

namespace squall {

class TriggerSource {
 public:
  virtual ~TriggerSource() = default;
  // The latest targets (cached: never blocks the decision).
  virtual std::vector<TriggerTarget> Targets() const = 0;
  // An instance died or was stopped: work it held should come back now.
  virtual void InstanceGone(const std::string& instance_id) = 0;
  // Called when a target rose from zero (work arrived for an idle trigger): decide now.
  virtual void SetWakeHook(std::function<void()> hook) = 0;
};

}  // namespace squall
