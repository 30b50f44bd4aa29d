// Meters the non-HTTP executions (queue, timer) of every instance for the usage meter: once a
// second it reads each running instance's host status (InstanceProbe) and reports what its
// counters grew by since the last reading. HTTP executions are metered at the front door. What
// an instance ran in its last second before it ended is not seen (a bounded undercount).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "platform/instance_manager.h"
#include "platform/instance_probe.h"

namespace squall {

class ExecutionMeter {
 public:
  using Sink = std::function<void(std::int64_t executions, Duration total_time)>;

  ExecutionMeter(Clock& clock, InstanceManager& instances, InstanceProbe& probe, Sink sink,
                 Duration interval = std::chrono::seconds(1));
  ~ExecutionMeter();

  void Start();
  void Stop();
  // One reading of every instance (Start schedules them); public for tests.
  void PollNow();
  // An instance's counters read elsewhere (its final drain status, before it stops).
  void Report(const InstanceInfo& instance, std::int64_t executions, Duration time);

 private:
  void ScheduleNext();
  void OnReading(const InstanceInfo& instance, const InstanceProbe::Readiness& status);

  Clock& clock_;
  InstanceManager& instances_;
  InstanceProbe& probe_;
  Sink sink_;
  const Duration interval_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::mutex mu_;
  bool running_ = false;
  TimerId timer_ = kNoTimer;
  struct Seen {
    int pid = 0;
    std::int64_t executions = 0;
    Duration time{};
  };
  std::map<std::string, Seen> seen_;  // by instance id
};

}  // namespace squall
