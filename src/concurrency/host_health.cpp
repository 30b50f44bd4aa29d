#include "concurrency/host_health.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace squall {
namespace {

constexpr Throttle kAllThrottles[] = {Throttle::kCpu, Throttle::kEventLoop, Throttle::kMemory};

double Mb(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

const char* ThrottleName(Throttle throttle) {
  switch (throttle) {
    case Throttle::kCpu:
      return "CPU";
    case Throttle::kEventLoop:
      return "EventLoopStarvation";
    case Throttle::kMemory:
      return "Memory";
  }
  return "?";
}

std::vector<std::string_view> ThrottleSet::Names() const {
  std::vector<std::string_view> names;
  for (Throttle t : kAllThrottles) {
    if (Has(t)) names.emplace_back(ThrottleName(t));
  }
  return names;
}

std::string ThrottleSet::ToString() const {
  if (empty()) return "none";
  return fmt::format("{}", fmt::join(Names(), ", "));
}

const char* HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kThrottled:
      return "throttled";
  }
  return "?";
}

SignalReading EvaluateCpu(const HealthThresholds& thresholds, std::span<const double> samples) {
  const std::size_t needed = static_cast<std::size_t>(std::max(1, thresholds.cpu_sample_count));
  if (samples.size() < needed) {
    return {SignalState::kUnknown, fmt::format("cpu: {} of {} samples", samples.size(), needed)};
  }
  double sum = 0;
  for (double s : samples.last(needed)) {
    // A sample above 1 is a measuring artefact (Azure caps at 100 % too).
    sum += std::isfinite(s) ? std::clamp(s, 0.0, 1.0) : 0.0;
  }
  const double average = sum / static_cast<double>(needed);
  if (average >= thresholds.cpu_threshold) {
    return {SignalState::kOver, fmt::format("cpu {:.2f} (avg of {}) >= {:.2f}", average, needed,
                                            thresholds.cpu_threshold)};
  }
  return {SignalState::kOk, fmt::format("cpu {:.2f} (avg of {})", average, needed)};
}

SignalReading EvaluateEventLoop(const HealthThresholds& thresholds, Duration window, int ticks) {
  const Duration tick = thresholds.loop_tick_interval;
  const std::int64_t expected = tick.count() > 0 && window.count() > 0 ? window / tick : 0;
  if (expected == 0) {
    // No tick was due yet: nothing says the loop is late (Azure answers "not throttled").
    return {SignalState::kOk, "event loop: no tick due"};
  }
  const std::int64_t missed = std::max<std::int64_t>(0, expected - std::max(0, ticks));
  const std::string detail = fmt::format("event loop missed {} of {} ticks", missed, expected);
  if (missed > expected / 2) return {SignalState::kOver, detail};
  return {SignalState::kOk, detail};
}

SignalReading EvaluateMemory(const HealthThresholds& thresholds,
                             std::optional<std::int64_t> working_set_bytes) {
  if (thresholds.instance_memory_bytes <= 0) return {SignalState::kOk, "memory: no limit"};
  if (!working_set_bytes) return {SignalState::kUnknown, "memory: no sample"};
  const double limit =
      static_cast<double>(thresholds.instance_memory_bytes) * thresholds.memory_fraction;
  const double used = static_cast<double>(*working_set_bytes);
  std::string detail = fmt::format("memory {:.0f} MB of {:.0f} MB", Mb(*working_set_bytes),
                                   Mb(thresholds.instance_memory_bytes));
  if (used >= limit) {
    return {SignalState::kOver,
            fmt::format("{} >= {:.0f} %", detail, thresholds.memory_fraction * 100)};
  }
  return {SignalState::kOk, std::move(detail)};
}

HealthObservation EvaluateHealth(const HealthThresholds& thresholds, const HealthSamples& samples) {
  const SignalReading readings[] = {
      EvaluateCpu(thresholds, samples.cpu),
      EvaluateEventLoop(thresholds, samples.loop_window, samples.loop_ticks),
      EvaluateMemory(thresholds, samples.working_set_bytes),
  };
  HealthObservation out;
  bool unknown = false;
  std::vector<std::string_view> details;
  for (std::size_t i = 0; i < std::size(readings); ++i) {
    if (readings[i].state == SignalState::kOver) out.throttles.Add(kAllThrottles[i]);
    if (readings[i].state == SignalState::kUnknown) unknown = true;
    details.emplace_back(readings[i].detail);
  }
  if (!out.throttles.empty()) {
    out.state = HealthState::kThrottled;
  } else if (unknown) {
    out.state = HealthState::kUnknown;
  } else {
    out.state = HealthState::kHealthy;
  }
  out.detail = fmt::format("{}", fmt::join(details, "; "));
  return out;
}

HealthObservation HealthyObservation() { return {HealthState::kHealthy, {}, "healthy"}; }

HealthObservation ThrottledObservation(ThrottleSet throttles) {
  return {HealthState::kThrottled, throttles, "throttled: " + throttles.ToString()};
}

HealthObservation UnknownObservation(std::string detail) {
  return {HealthState::kUnknown, {}, std::move(detail)};
}

}  // namespace squall
