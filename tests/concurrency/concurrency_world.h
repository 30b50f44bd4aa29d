// A scripted instance for the concurrency policy: one function with a backlog, a CPU model
// (CPU use as a function of invocations in flight) or scripted health, and a health check every
// second on a SimulatedClock that samples, evaluates health and calls Adjust, as the host will.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "concurrency/concurrency_policy.h"
#include "concurrency/host_health.h"
#include "core/simulated_clock.h"

namespace squall {

class ConcurrencyWorld {
 public:
  struct Check {
    MonoTime at;
    int in_flight = 0;
    HealthObservation health;
    ConcurrencyDecision decision;
  };

  explicit ConcurrencyWorld(ConcurrencyOptions options = {}, int start_level = 1)
      : options_(options),
        thresholds_(HealthThresholdsFor(options, 0)),
        state_(NewFunctionConcurrencyState(clock_.Now(), start_level)) {
    ScheduleCheck();
  }

  // CPU use of the instance (0..1) with n invocations in flight.
  void set_cpu_model(std::function<double(int)> cpu) { cpu_ = std::move(cpu); }
  // Invocations waiting or running; in flight = min(level, demand).
  void set_demand(int demand) { demand_ = demand; }
  // Every invocation takes this long: the policy hears of completions (latency-adjusted pacing).
  void set_latency(std::optional<Duration> latency) { latency_ = latency; }
  // Health given directly instead of evaluated from the CPU model.
  void set_health(std::optional<HealthObservation> health) { scripted_ = std::move(health); }

  void Run(Duration d) { clock_.Advance(d); }

  int level() const { return state_.level; }
  const FunctionConcurrencyState& state() const { return state_; }
  const std::vector<Check>& checks() const { return checks_; }
  const Check& last() const { return checks_.back(); }
  MonoTime now() const { return clock_.Now(); }
  Duration elapsed() const { return clock_.Now() - MonoTime{}; }

  // Checks that moved the level, in order.
  std::vector<Check> Moves() const {
    std::vector<Check> moves;
    for (const Check& c : checks_) {
      if (c.decision.changed()) moves.push_back(c);
    }
    return moves;
  }

 private:
  void ScheduleCheck() {
    clock_.Schedule(options_.check_interval, [this] {
      RunCheck();
      ScheduleCheck();
    });
  }

  void RunCheck() {
    const int in_flight = std::min(state_.level, demand_);
    cpu_samples_.push_back(cpu_ ? cpu_(in_flight) : 0.1);
    if (cpu_samples_.size() > 10) cpu_samples_.pop_front();

    HealthObservation health;
    if (scripted_) {
      health = *scripted_;
    } else {
      HealthSamples samples;
      samples.cpu.assign(cpu_samples_.begin(), cpu_samples_.end());
      samples.loop_window = options_.check_interval;
      samples.loop_ticks = 10;
      health = EvaluateHealth(thresholds_, samples);
    }

    CompletedInvocations completed;
    if (latency_ && latency_->count() > 0 && in_flight > 0) {
      completed.count = in_flight * (options_.check_interval / *latency_);
      completed.total_time = *latency_ * completed.count;
    }
    ConcurrencyDecision d = Adjust(options_, state_, health, in_flight, clock_.Now(), completed);
    state_ = d.next_state;
    checks_.push_back({clock_.Now(), in_flight, std::move(health), std::move(d)});
  }

  SimulatedClock clock_;
  ConcurrencyOptions options_;
  HealthThresholds thresholds_;
  FunctionConcurrencyState state_;
  std::function<double(int)> cpu_;
  int demand_ = INT_MAX;
  std::optional<Duration> latency_;
  std::optional<HealthObservation> scripted_;
  std::deque<double> cpu_samples_;
  std::vector<Check> checks_;
};

}  // namespace squall
