// Samples what dynamic concurrency's throttles read (concurrency/host_health.h) on the live
// host: the CPU and memory of the host and its worker together (its process tree) once a
// second, and the event loop's 100 ms ticks. Check() turns what was sampled since the previous
// check into a HealthObservation. Time comes from the Clock, usage from an injected reader, so
// tests script both.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "concurrency/host_health.h"
#include "core/clock.h"

namespace squall {

struct ProcessUsageSample {
  double cpu_seconds = 0;         // CPU time of the host and its worker so far
  std::int64_t memory_bytes = 0;  // their working set now
  bool ok = false;                // false: nothing could be read
};

class HostHealthMonitor {
 public:
  using UsageReader = std::function<ProcessUsageSample()>;

  // cores: the CPU the instance may use (its plan's limit, else the machine's cores).
  HostHealthMonitor(Clock& clock, HealthThresholds thresholds, double cores, UsageReader reader);
  ~HostHealthMonitor();

  // Starts ticking (every 100 ms) and sampling (every second).
  void Start();
  void Stop();

  // One health check: the CPU samples so far, the ticks since the previous check, the latest
  // working set.
  HealthObservation Check();

  std::optional<std::int64_t> working_set() const;
  const HealthThresholds& thresholds() const { return thresholds_; }

  // Reads getpid()'s process tree from /proc.
  static ProcessUsageSample ReadOwnProcessTree();

 private:
  void Tick();
  void Sample();

  Clock& clock_;
  const HealthThresholds thresholds_;
  const double cores_;
  UsageReader reader_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  mutable std::mutex mu_;
  bool running_ = false;
  TimerId tick_timer_ = kNoTimer;
  TimerId sample_timer_ = kNoTimer;
  int ticks_ = 0;
  MonoTime last_check_{};
  std::deque<double> cpu_;  // the last cpu_sample_count fractions, oldest first
  std::optional<ProcessUsageSample> last_usage_;
  MonoTime last_sample_at_{};
  std::optional<std::int64_t> working_set_;
};

}  // namespace squall
