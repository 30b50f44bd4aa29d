// Dynamic concurrency: how many invocations of one function an instance runs at once.
//
// Design note. Adjust() is a pure function of (options, state, health, usage, now): no I/O, no
// threads, no clock. The live host and the simulator call it for every function once per health
// check (every check_interval, 1 s) with the HealthObservation of that check (host_health.h), and
// keep the FunctionConcurrencyState it returns; nothing else is remembered, so a decision can be
// replayed from a log of its inputs. The rules and numbers are Azure's (azure-webjobs-sdk
// ConcurrencyManager, ConcurrencyStatus, DefaultConcurrencyThrottleManager), documented with
// their origin in docs/architecture.md ("Dynamic concurrency"):
//   start      at 1, or at a snapshot's level (snapshot.h).
//   pace       at most one move per min_adjustment_interval (5 s; for fast functions
//              2 s + their average latency, at most 5 s).
//   increase   +step when healthy for healthy_checks_before_increase checks in a row (6) and the
//              current level was fully used since the last move (in-flight reached the level),
//              and not within decrease_quiet_window of the last decrease (30 s; for fast
//              functions 10 s + 10 x their average latency, at most 30 s), nor (squall's
//              addition, see Adjust) within that window of the last throttled check.
//   decrease   -step when throttled for throttled_checks_before_decrease checks in a row (4).
//   step       1 + min(5, moves so far in this run): a run is consecutive moves in one direction,
//              each within run_window (10 s) of the previous; a new run's counter starts at 0
//              and stays there for its first move, so the first two moves of a run are 1.
//   bounds     1 <= level <= maximumFunctionConcurrency (500; -1 = no bound).
//   unknown    health (too few samples yet) makes no move and ends both healthy and throttled
//              runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "concurrency/host_health.h"
#include "core/clock.h"
#include "core/status.h"

namespace squall {

struct ConcurrencyOptions {
  // host.json "concurrency".
  bool dynamic_concurrency_enabled = false;
  bool snapshot_persistence_enabled = true;
  int maximum_function_concurrency = 500;  // -1 = unbounded
  double cpu_threshold = 0.80;

  // Azure's constants; tests and the simulator may change them.
  Duration check_interval = std::chrono::seconds(1);
  int healthy_checks_before_increase = 6;
  int throttled_checks_before_decrease = 4;
  Duration min_adjustment_interval = std::chrono::seconds(5);
  Duration min_adjustment_interval_floor = std::chrono::seconds(2);
  Duration decrease_quiet_window = std::chrono::seconds(30);
  Duration decrease_quiet_window_floor = std::chrono::seconds(10);
  int decrease_quiet_latency_multiplier = 10;
  Duration run_window = std::chrono::seconds(10);
  int max_step_growth = 5;  // step = 1 + min(max_step_growth, run length)
  Duration snapshot_interval = std::chrono::seconds(10);
  double memory_fraction = 0.90;
};

// maximumFunctionConcurrency >= 1 or -1; cpuThreshold in (0, 1); counts and intervals positive.
Status ValidateConcurrencyOptions(const ConcurrencyOptions& options);

// The health thresholds these options imply for an instance with that much memory (0 = unknown:
// no memory throttle).
HealthThresholds HealthThresholdsFor(const ConcurrencyOptions& options,
                                     std::int64_t instance_memory_bytes);

// Per function. Make one with NewFunctionConcurrencyState; then pass back what Adjust returns.
struct FunctionConcurrencyState {
  int level = 1;
  MonoTime last_adjustment{};  // the last move, or when the function was first seen
  std::optional<MonoTime> last_decrease;
  std::optional<MonoTime> last_throttle;  // the last throttled check
  int healthy_checks = 0;    // consecutive healthy checks, this one included
  int throttled_checks = 0;  // consecutive throttled checks, this one included
  int run_direction = 0;     // +1 increasing, -1 decreasing, 0 no move yet
  int run_length = 0;        // Azure's adjustment run count (see the step rule above)
  // Since the last move: the most invocations in flight at once, and the completed ones.
  int max_in_flight = 0;
  std::int64_t completed = 0;
  Duration completed_time{};
};

// The first move comes no sooner than min_adjustment_interval after `now` (Azure starts its
// adjustment stopwatch when it first sees the function). level is clamped to >= 1.
FunctionConcurrencyState NewFunctionConcurrencyState(MonoTime now, int level = 1);

// Invocations of the function that completed since the previous call, and their total time.
// Lets fast functions adjust sooner (Azure's latency-adjusted intervals).
struct CompletedInvocations {
  std::int64_t count = 0;
  Duration total_time{};
};

enum class ConcurrencyMove { kHold, kIncrease, kDecrease, kCap };
const char* ConcurrencyMoveName(ConcurrencyMove move);  // "hold", "increase", ...

struct ConcurrencyDecision {
  FunctionConcurrencyState next_state;
  int previous_level = 1;
  int level = 1;  // next_state.level
  ConcurrencyMove move = ConcurrencyMove::kHold;
  // "increase 4 → 6: healthy for 6 checks and level fully used (4 in flight)",
  // "decrease 10 → 9: CPU throttle for 4 checks", "hold 4: healthy for 2 of 6 checks".
  std::string reason;

  bool changed() const { return level != previous_level; }
};

// in_flight_max_since_last: the most invocations of the function in flight at once since the
// previous call (the caller's high-water mark, reset after each call).
ConcurrencyDecision Adjust(const ConcurrencyOptions& options, const FunctionConcurrencyState& state,
                           const HealthObservation& health, int in_flight_max_since_last,
                           MonoTime now, const CompletedInvocations& completed = {});

// How many new invocations a listener may start now: level - pending, at least 0. A throttled
// host takes no new batches, with one exception (squall's, docs/architecture.md): under CPU or
// event-loop throttles alone a function with nothing pending may start one. Stopping its last
// invocation cannot relieve the CPU, it only idles it: a Python function whose one invocation
// at a time already uses 0.95 of its core lost 17-23 % of its throughput to such pauses. The
// memory throttle stops everything (a running invocation is what grows the working set).
int AvailableInvocations(int level, int pending, const HealthObservation& health);

}  // namespace squall
