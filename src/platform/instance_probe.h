// Whether a started instance is ready for work. A seam so that the scale controller is tested on
// a simulated clock; the live one asks the instance's admin API (http_instance_probe.h).
#pragma once

#include <functional>

#include "platform/instance_manager.h"

namespace squall {

class InstanceProbe {
 public:
  virtual ~InstanceProbe() = default;
  // done(true) once the instance's host and worker both take work.
  virtual void CheckReady(const InstanceInfo& instance, std::function<void(bool)> done) = 0;
};

}  // namespace squall
