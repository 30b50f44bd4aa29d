#include "concurrency/concurrency_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace squall {
namespace {

constexpr std::int64_t kMaxCompleted = std::int64_t{1} << 40;
constexpr Duration kMaxCompletedTime = std::chrono::hours(24 * 365);

std::string Secs(Duration d) {
  return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
}

int MaxLevel(const ConcurrencyOptions& options) {
  return options.maximum_function_concurrency > 0 ? options.maximum_function_concurrency
                                                  : std::numeric_limits<int>::max();
}

// Azure's GetLatencyAdjustedInterval: with completed invocations since the last move,
// floor + multiplier x average latency, at most the default; without, the default. Fast
// functions give quick feedback, so they may move sooner than slow ones.
Duration LatencyAdjusted(const FunctionConcurrencyState& s, Duration floor, Duration fallback,
                         int multiplier) {
  if (s.completed <= 0) return fallback;
  const Duration average = s.completed_time / s.completed;
  if (average >= fallback) return fallback;  // also keeps the product below from overflowing
  return std::min(fallback, floor + average * multiplier);
}

// Records the move in the run and returns its size (Azure's GetNextAdjustment).
int NextStep(const ConcurrencyOptions& options, const FunctionConcurrencyState& s, int direction,
             MonoTime now, FunctionConcurrencyState& next) {
  int run = 0;
  const bool new_run = (s.run_direction != 0 && s.run_direction != direction) ||
                       now - s.last_adjustment > options.run_window;
  if (new_run) {
    // Back the other way slowly: the last move of the old run may have been large.
    next.run_length = 0;
  } else {
    run = s.run_length;
    next.run_length = s.run_length + 1;
  }
  next.run_direction = direction;
  return 1 + std::min(std::max(0, options.max_step_growth), run);
}

void StartNewInterval(FunctionConcurrencyState& s, MonoTime now) {
  s.last_adjustment = now;
  s.max_in_flight = 0;
  s.completed = 0;
  s.completed_time = Duration::zero();
}

std::string Plural(int n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

Status ValidateConcurrencyOptions(const ConcurrencyOptions& o) {
  if (o.maximum_function_concurrency <= 0 && o.maximum_function_concurrency != -1) {
    return InvalidArgument(
        fmt::format("concurrency.maximumFunctionConcurrency must be >= 1 or -1 (unbounded), got {}",
                    o.maximum_function_concurrency));
  }
  if (!(o.cpu_threshold > 0 && o.cpu_threshold < 1)) {
    return InvalidArgument(fmt::format(
        "concurrency.cpuThreshold must be between 0 and 1 (exclusive), got {}", o.cpu_threshold));
  }
  if (!(o.memory_fraction > 0 && o.memory_fraction <= 1)) {
    return InvalidArgument(
        fmt::format("memory fraction must be in (0, 1], got {}", o.memory_fraction));
  }
  if (o.healthy_checks_before_increase < 1 || o.throttled_checks_before_decrease < 1 ||
      o.max_step_growth < 0 || o.decrease_quiet_latency_multiplier < 0) {
    return InvalidArgument("concurrency check counts must be >= 1 and step growth >= 0");
  }
  if (o.check_interval <= Duration::zero() || o.min_adjustment_interval < Duration::zero() ||
      o.min_adjustment_interval_floor < Duration::zero() ||
      o.decrease_quiet_window < Duration::zero() ||
      o.decrease_quiet_window_floor < Duration::zero() || o.run_window < Duration::zero() ||
      o.snapshot_interval <= Duration::zero()) {
    return InvalidArgument("concurrency intervals must not be negative (check interval > 0)");
  }
  return Status::Ok();
}

HealthThresholds HealthThresholdsFor(const ConcurrencyOptions& options,
                                     std::int64_t instance_memory_bytes) {
  HealthThresholds t;
  t.cpu_threshold = options.cpu_threshold;
  t.memory_fraction = options.memory_fraction;
  t.instance_memory_bytes = std::max<std::int64_t>(0, instance_memory_bytes);
  return t;
}

FunctionConcurrencyState NewFunctionConcurrencyState(MonoTime now, int level) {
  FunctionConcurrencyState s;
  s.level = std::max(1, level);
  s.last_adjustment = now;
  return s;
}

const char* ConcurrencyMoveName(ConcurrencyMove move) {
  switch (move) {
    case ConcurrencyMove::kHold:
      return "hold";
    case ConcurrencyMove::kIncrease:
      return "increase";
    case ConcurrencyMove::kDecrease:
      return "decrease";
    case ConcurrencyMove::kCap:
      return "cap";
  }
  return "?";
}

ConcurrencyDecision Adjust(const ConcurrencyOptions& options, const FunctionConcurrencyState& state,
                           const HealthObservation& health, int in_flight_max_since_last,
                           MonoTime now, const CompletedInvocations& completed) {
  ConcurrencyDecision d;
  FunctionConcurrencyState& next = d.next_state;
  next = state;
  d.previous_level = state.level;
  next.max_in_flight = std::max(next.max_in_flight, std::max(0, in_flight_max_since_last));
  if (completed.count > 0) {
    next.completed += std::min(completed.count, kMaxCompleted);
    next.completed_time += std::clamp(completed.total_time, Duration::zero(), kMaxCompletedTime);
    // Only the average is used: halving keeps it, and keeps the sums from overflowing when a
    // level holds for months (500 in flight add 500 s of latency every second).
    while (next.completed > kMaxCompleted || next.completed_time > kMaxCompletedTime) {
      next.completed /= 2;
      next.completed_time /= 2;
    }
  }

  // One run of identical health checks (Azure counts them host-wide; called once per check for
  // every function, these counters equal that count).
  switch (health.state) {
    case HealthState::kUnknown:
      next.healthy_checks = 0;
      next.throttled_checks = 0;
      break;
    case HealthState::kHealthy:
      next.healthy_checks = state.healthy_checks + 1;
      next.throttled_checks = 0;
      break;
    case HealthState::kThrottled:
      next.throttled_checks = state.throttled_checks + 1;
      next.healthy_checks = 0;
      next.last_throttle = now;
      break;
  }

  const int max_level = MaxLevel(options);
  const int level = std::clamp(state.level, 1, max_level);
  auto finish = [&](ConcurrencyMove move, int new_level, std::string why) {
    next.level = new_level;
    d.level = new_level;
    d.move = move;
    if (move == ConcurrencyMove::kHold) {
      d.reason = fmt::format("hold {}: {}", new_level, why);
    } else {
      d.reason =
          fmt::format("{} {} → {}: {}", ConcurrencyMoveName(move), state.level, new_level, why);
    }
    return d;
  };

  if (level != state.level) {
    // maximumFunctionConcurrency was lowered below the level (or a state came in below 1):
    // obey the bound now, without counting it as a decrease.
    return finish(ConcurrencyMove::kCap, level,
                  level > state.level
                      ? "below the minimum 1"
                      : fmt::format("above maximumFunctionConcurrency {}", max_level));
  }
  if (health.state == HealthState::kUnknown) {
    return finish(ConcurrencyMove::kHold, level, "host health unknown (" + health.detail + ")");
  }

  const Duration since_move = now - state.last_adjustment;
  const Duration min_interval = LatencyAdjusted(next, options.min_adjustment_interval_floor,
                                                options.min_adjustment_interval, 1);
  if (since_move < min_interval) {
    return finish(ConcurrencyMove::kHold, level,
                  fmt::format("last change {} ago, next no sooner than {}", Secs(since_move),
                              Secs(min_interval)));
  }

  if (health.state == HealthState::kThrottled) {
    const std::string throttles = health.throttles.ToString();
    if (next.throttled_checks < options.throttled_checks_before_decrease) {
      return finish(ConcurrencyMove::kHold, level,
                    fmt::format("{} throttle for {} of {} checks", throttles, next.throttled_checks,
                                options.throttled_checks_before_decrease));
    }
    if (level <= 1) {
      return finish(ConcurrencyMove::kHold, level,
                    fmt::format("{} throttle, already at the minimum 1", throttles));
    }
    const int step = NextStep(options, state, -1, now, next);
    const int new_level = std::max(1, level - step);
    StartNewInterval(next, now);
    next.last_decrease = now;
    return finish(
        ConcurrencyMove::kDecrease, new_level,
        fmt::format("{} throttle for {}", throttles, Plural(next.throttled_checks, "check")));
  }

  // Healthy.
  if (next.healthy_checks < options.healthy_checks_before_increase) {
    return finish(ConcurrencyMove::kHold, level,
                  fmt::format("healthy for {} of {} checks", next.healthy_checks,
                              options.healthy_checks_before_increase));
  }
  // Give a lower level (after a decrease) or the level that was just too much (a throttle)
  // time to show whether it is healthy before trying higher again. Azure waits after a
  // decrease only; squall also waits after any throttled check, because a throttled host takes
  // no new work, so its throttle ends within a check or two and seldom lasts the checks a
  // decrease needs: without this the level creeps on above what the CPU allows.
  if (const auto& recent = next.last_throttle; recent || state.last_decrease) {
    const bool after_decrease =
        state.last_decrease && (!recent || *state.last_decrease >= *recent);
    const MonoTime since = after_decrease ? *state.last_decrease : *recent;
    const Duration quiet =
        LatencyAdjusted(next, options.decrease_quiet_window_floor, options.decrease_quiet_window,
                        options.decrease_quiet_latency_multiplier);
    if (now - since < quiet) {
      return finish(ConcurrencyMove::kHold, level,
                    fmt::format("{} {} ago, no increase within {} of a {}",
                                after_decrease ? "decreased" : "throttled", Secs(now - since),
                                Secs(quiet), after_decrease ? "decrease" : "throttle"));
    }
  }
  if (next.max_in_flight < level) {
    // Raising a limit the function does not reach would only let a later burst overload us.
    return finish(ConcurrencyMove::kHold, level,
                  fmt::format("level not fully used (at most {} in flight)", next.max_in_flight));
  }
  if (level >= max_level) {
    return finish(ConcurrencyMove::kHold, level,
                  fmt::format("at maximumFunctionConcurrency {}", max_level));
  }
  const int used = next.max_in_flight;
  const int checks = next.healthy_checks;
  const int step = NextStep(options, state, +1, now, next);
  const int new_level =
      static_cast<int>(std::min<std::int64_t>(static_cast<std::int64_t>(level) + step, max_level));
  StartNewInterval(next, now);
  return finish(ConcurrencyMove::kIncrease, new_level,
                fmt::format("healthy for {} and level fully used ({} in flight)",
                            Plural(checks, "check"), used));
}

int AvailableInvocations(int level, int pending, const HealthObservation& health) {
  pending = std::max(0, pending);
  if (health.state == HealthState::kThrottled) {
    if (health.throttles.Has(Throttle::kMemory)) return 0;
    level = std::min(level, 1);  // CPU or event loop: the floor, one at a time
  }
  return std::max(0, level - pending);
}

}  // namespace squall
