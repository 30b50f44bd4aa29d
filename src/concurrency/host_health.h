// Host health for dynamic concurrency: which throttles are on, from samples the host took.
//
// Pure functions of the samples: no I/O, no clock. The live host samples its cgroup (or /proc)
// once a second and counts its event loop's 100 ms ticks; the simulator scripts the same inputs.
// The rules are Azure's (azure-webjobs-sdk DefaultHostProcessMonitor and
// ThreadPoolStarvationThrottleProvider), with the event loop in the place of .NET's thread pool:
//   CPU        the instance's CPU (host and worker together) averaged over the last 5 one-second
//              samples >= cpuThreshold (host.json, default 0.80). Fewer than 5 samples: unknown.
//   event loop the loop ran fewer than half of the 100 ms ticks due in the window since the
//              last check (missed > expected / 2, integer division as Azure).
//   memory     the working set (host and worker) >= 90 % of the plan's instance memory. The
//              latest sample, not an average: running out of memory is a hard limit.
// Combined: throttled when any throttle is on, else unknown when any signal is unknown (the
// policy makes no move then), else healthy.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace squall {

enum class Throttle : std::uint8_t {
  kCpu = 1 << 0,
  kEventLoop = 1 << 1,
  kMemory = 1 << 2,
};
// "CPU", "EventLoopStarvation", "Memory": Azure's throttle names, with the event loop in the
// place of "ThreadPoolStarvation". Used in logs and in GET /admin/host/concurrency.
const char* ThrottleName(Throttle throttle);

// The throttles that are on: a bitmask with names.
class ThrottleSet {
 public:
  ThrottleSet() = default;
  ThrottleSet(std::initializer_list<Throttle> throttles) {
    for (Throttle t : throttles) Add(t);
  }

  void Add(Throttle t) { bits_ |= static_cast<std::uint8_t>(t); }
  bool Has(Throttle t) const { return (bits_ & static_cast<std::uint8_t>(t)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::uint8_t bits() const { return bits_; }
  // In a fixed order: CPU, EventLoopStarvation, Memory.
  std::vector<std::string_view> Names() const;
  // "CPU, Memory"; "none" when empty.
  std::string ToString() const;

  bool operator==(const ThrottleSet&) const = default;

 private:
  std::uint8_t bits_ = 0;
};

struct HealthThresholds {
  double cpu_threshold = 0.80;  // host.json concurrency.cpuThreshold
  int cpu_sample_count = 5;     // Azure's MinSampleCount
  std::chrono::milliseconds loop_tick_interval{100};
  double memory_fraction = 0.90;           // of the instance memory
  std::int64_t instance_memory_bytes = 0;  // the plan's instance memory; 0 = memory throttle off
};

struct HealthSamples {
  // The instance's CPU use, one sample per second, oldest first, as a fraction of the cores it
  // may use (0..1; values outside are clamped, non-finite ones count as 0).
  std::vector<double> cpu;
  Duration loop_window{};                         // time since the previous check
  int loop_ticks = 0;                             // 100 ms loop ticks that ran in that window
  std::optional<std::int64_t> working_set_bytes;  // host + worker; nullopt = no sample yet
};

enum class SignalState { kUnknown, kOk, kOver };

struct SignalReading {
  SignalState state = SignalState::kUnknown;
  std::string detail;  // "cpu 0.91 (avg of 5) >= 0.80", for logs
};

SignalReading EvaluateCpu(const HealthThresholds& thresholds, std::span<const double> samples);
SignalReading EvaluateEventLoop(const HealthThresholds& thresholds, Duration window, int ticks);
SignalReading EvaluateMemory(const HealthThresholds& thresholds,
                             std::optional<std::int64_t> working_set_bytes);

enum class HealthState { kUnknown, kHealthy, kThrottled };
const char* HealthStateName(HealthState state);  // "unknown", "healthy", "throttled"

// One health check of the instance: what the policy reads.
struct HealthObservation {
  HealthState state = HealthState::kUnknown;
  ThrottleSet throttles;  // non-empty exactly when state is kThrottled
  std::string detail;     // every signal's reading, joined with "; "
};

HealthObservation EvaluateHealth(const HealthThresholds& thresholds, const HealthSamples& samples);

// Convenience for tests and the simulator: a healthy or throttled observation without samples.
HealthObservation HealthyObservation();
HealthObservation ThrottledObservation(ThrottleSet throttles);
HealthObservation UnknownObservation(std::string detail);

}  // namespace squall
