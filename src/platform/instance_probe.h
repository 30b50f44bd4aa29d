// Whether a started instance is ready for work. A seam so that the scale controller is tested on
// a simulated clock; the live one asks the instance's admin API (http_instance_probe.h).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "platform/instance_manager.h"

namespace squall {

class InstanceProbe {
 public:
  virtual ~InstanceProbe() = default;
  struct Readiness {
    bool ready = false;
    // The host answered (its HTTP server is up) even if its worker is not ready yet: it can
    // hold requests until it is.
    bool host_up = false;
    // The worker's own start-up time, when the instance reports it: the part of a cold start
    // that is the app's, not the platform's.
    std::optional<Duration> worker_startup;
    // Non-HTTP executions the host ran so far and their total time (for the usage meter).
    std::optional<std::int64_t> trigger_executions;
    Duration trigger_execution_time{};
  };
  // What the instance's host status says now: whether it takes work, and its counters. The
  // scale controller polls it until ready; the execution meter every second.
  virtual void CheckReady(const InstanceInfo& instance, std::function<void(Readiness)> done) = 0;
  // Puts the instance's host in drain mode (its listeners take no more messages) and reports
  // how many invocations it still runs; nullopt when the host does not answer. Called again
  // and again while the instance drains, so that a scale-in waits for queue work too.
  struct DrainStatus {
    int outstanding = 0;  // invocations still running
    // Its non-HTTP execution counters, as in Readiness: final once it runs nothing more.
    std::optional<std::int64_t> trigger_executions;
    Duration trigger_execution_time{};
  };
  virtual void Drain(const InstanceInfo& instance,
                     std::function<void(std::optional<DrainStatus>)> done) = 0;
  // No more checks of this instance (it is ready, or gone): what was kept for it can go.
  virtual void Forget(const std::string& instance_id) { (void)instance_id; }
};

}  // namespace squall
