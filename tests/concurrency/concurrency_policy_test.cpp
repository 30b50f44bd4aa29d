#include "concurrency/concurrency_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "concurrency_world.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Check = ConcurrencyWorld::Check;

std::vector<int> Steps(const std::vector<Check>& moves) {
  std::vector<int> steps;
  for (const Check& m : moves) steps.push_back(m.decision.level - m.decision.previous_level);
  return steps;
}

Duration At(const Check& c) { return c.at - MonoTime{}; }

// Throttling starts above `n`: n invocations use 79 % of the instance's CPU, n + 1 more than 80 %.
std::function<double(int)> CpuBoundAbove(int n) {
  return [n](int in_flight) { return 0.79 * in_flight / n; };
}

TEST(ConcurrencyPolicyTest, RisesToAPlateauWhereThrottlingStarts) {
  for (int n : {3, 12, 40}) {
    SCOPED_TRACE(n);
    ConcurrencyWorld w;
    w.set_cpu_model(CpuBoundAbove(n));
    w.Run(20min);

    // Reaches n within two minutes (steps grow while healthy)...
    const auto& checks = w.checks();
    auto first = std::find_if(checks.begin(), checks.end(),
                              [&](const Check& c) { return c.decision.level >= n; });
    ASSERT_NE(first, checks.end());
    EXPECT_LE(At(*first), 2min);

    // ...then settles: after five minutes only n, with a brief probe of n + 1 now and then (a
    // probe is throttled, backed off, and not retried for 30 s).
    int at_n = 0;
    int total = 0;
    for (const Check& c : checks) {
      if (At(c) < 5min) continue;
      ++total;
      EXPECT_GE(c.decision.level, n);
      EXPECT_LE(c.decision.level, n + 1);
      if (c.decision.level == n) ++at_n;
    }
    EXPECT_GE(at_n, total * 8 / 10);
  }
}

TEST(ConcurrencyPolicyTest, StartsAtOneAndFirstIncreasesAfterSixHealthyChecks) {
  ConcurrencyWorld w;
  w.Run(4s);  // CPU needs 5 one-second samples: health unknown until then
  EXPECT_EQ(w.last().health.state, HealthState::kUnknown);
  w.Run(5s);
  EXPECT_EQ(w.level(), 1);
  EXPECT_EQ(w.last().decision.reason, "hold 1: healthy for 5 of 6 checks");
  w.Run(1s);
  EXPECT_EQ(w.level(), 2);
  EXPECT_EQ(w.last().decision.move, ConcurrencyMove::kIncrease);
  EXPECT_EQ(w.last().decision.reason,
            "increase 1 → 2: healthy for 6 checks and level fully used (1 in flight)");
}

TEST(ConcurrencyPolicyTest, StepGrowsWithConsecutiveIncreasesUpToSix) {
  ConcurrencyWorld w;
  w.Run(60s);
  const std::vector<Check> moves = w.Moves();
  EXPECT_THAT(Steps(moves), ElementsAre(1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6));
  // One move per 5 s at most.
  for (std::size_t i = 1; i < moves.size(); ++i) EXPECT_EQ(moves[i].at - moves[i - 1].at, 5s);
  EXPECT_EQ(moves[3].decision.reason,
            "increase 7 → 11: healthy for 21 checks and level fully used (7 in flight)");
}

TEST(ConcurrencyPolicyTest, AGapLongerThanTheRunWindowStartsOverAtOne) {
  ConcurrencyWorld w;
  w.Run(25s);  // increases at 10, 15, 20, 25 s: 1 → 2 → 4 → 7 → 11
  ASSERT_EQ(w.level(), 11);
  w.set_demand(5);  // level no longer fully used: no increase
  w.Run(20s);
  EXPECT_EQ(w.level(), 11);
  EXPECT_THAT(w.last().decision.reason, HasSubstr("level not fully used (at most 5 in flight)"));
  w.set_demand(1000);
  w.Run(11s);
  // A new run: Azure's counter stays 0 for its first move, so two steps of 1, then 2.
  const std::vector<Check> moves = w.Moves();
  EXPECT_THAT(Steps(moves), ElementsAre(1, 2, 3, 4, 1, 1, 2));
}

TEST(ConcurrencyPolicyTest, NoIncreaseWhenTheLevelIsNotFullyUsed) {
  ConcurrencyWorld w;
  w.set_demand(3);
  w.Run(2min);
  EXPECT_EQ(w.level(), 4);  // 1 → 2 (1 used) → 4 (2 used); 3 of 4 is not enough
  EXPECT_EQ(w.last().decision.reason, "hold 4: level not fully used (at most 3 in flight)");
}

TEST(ConcurrencyPolicyTest, BacksOffUnderACpuThrottle) {
  ConcurrencyOptions o;
  ConcurrencyWorld w(o, 20);  // e.g. from a snapshot
  w.set_cpu_model([](int) { return 0.95; });
  w.Run(4s);
  EXPECT_EQ(w.last().health.state, HealthState::kUnknown);  // 4 of 5 CPU samples
  EXPECT_THAT(w.last().decision.reason, HasSubstr("host health unknown (cpu: 4 of 5 samples"));
  w.Run(3s);
  EXPECT_EQ(w.level(), 20);
  EXPECT_EQ(w.last().decision.reason, "hold 20: CPU throttle for 3 of 4 checks");
  w.Run(1s);
  EXPECT_EQ(w.level(), 19);
  EXPECT_EQ(w.last().decision.move, ConcurrencyMove::kDecrease);
  EXPECT_EQ(w.last().decision.reason, "decrease 20 → 19: CPU throttle for 4 checks");
  EXPECT_EQ(w.state().last_decrease, w.now());

  w.Run(2min);
  const std::vector<Check> moves = w.Moves();
  EXPECT_THAT(Steps(moves), ElementsAre(-1, -2, -3, -4, -5, -4));  // 20 → 1, never below
  EXPECT_EQ(w.level(), 1);
  EXPECT_EQ(w.last().decision.reason, "hold 1: CPU throttle, already at the minimum 1");
}

TEST(ConcurrencyPolicyTest, ThrottleNamesAppearInTheReason) {
  ConcurrencyWorld w(ConcurrencyOptions{}, 8);
  w.set_health(ThrottledObservation({Throttle::kEventLoop, Throttle::kMemory}));
  w.Run(5s);
  EXPECT_EQ(w.last().decision.reason,
            "decrease 8 → 7: EventLoopStarvation, Memory throttle for 5 checks");
}

// squall's addition: a throttled host takes no new work, so its throttle usually ends after a
// check or two, too soon for a decrease; the level must not creep on above it meanwhile.
TEST(ConcurrencyPolicyTest, NoIncreaseWithinThirtySecondsOfAThrottleThatCameToNoDecrease) {
  ConcurrencyWorld w(ConcurrencyOptions{}, 10);
  w.Run(10s);
  ASSERT_EQ(w.level(), 11) << "healthy and fully used: it rises";
  for (int i = 0; i < 3; ++i) {
    w.set_health(ThrottledObservation({Throttle::kCpu}));
    w.Run(1s);  // one throttled check, then healthy again: no decrease
    const MonoTime throttled = w.now();
    w.set_health(HealthyObservation());
    w.Run(20s);
    EXPECT_EQ(w.level(), 11) << "round " << i;
    EXPECT_THAT(w.last().decision.reason, HasSubstr("no increase within 30.0s of a throttle"));
    EXPECT_EQ(w.now() - throttled, 20s);
  }
  w.Run(10s);  // 30 s healthy: up again
  EXPECT_EQ(w.level(), 12);
}

TEST(ConcurrencyPolicyTest, NoIncreaseWithinThirtySecondsOfADecrease) {
  ConcurrencyWorld w(ConcurrencyOptions{}, 10);
  w.set_health(ThrottledObservation({Throttle::kCpu}));
  w.Run(5s);
  ASSERT_EQ(w.level(), 9);
  const MonoTime decreased = w.now();
  w.set_health(HealthyObservation());
  w.Run(29s);
  EXPECT_EQ(w.level(), 9);
  EXPECT_EQ(w.last().decision.reason,
            "hold 9: decreased 29.0s ago, no increase within 30.0s of a decrease");
  w.Run(1s);
  EXPECT_EQ(w.level(), 10);
  EXPECT_EQ(w.now() - decreased, 30s);
  // A change of direction starts a new run: back up by 1, however large the last move was.
  EXPECT_EQ(w.last().decision.previous_level, 9);
}

TEST(ConcurrencyPolicyTest, FastFunctionsMoveSoonerAndWaitLessAfterADecrease) {
  // Azure's latency-adjusted pacing: 2 s + average latency between moves (at most 5 s), and
  // 10 s + 10 x latency after a decrease (at most 30 s).
  ConcurrencyWorld w;
  w.set_latency(50ms);
  w.Run(20s);
  const std::vector<Check> moves = w.Moves();
  ASSERT_GE(moves.size(), 3u);
  EXPECT_EQ(At(moves[0]), 10s);              // 5 CPU samples, then six healthy checks
  EXPECT_EQ(moves[1].at - moves[0].at, 3s);  // 2.05 s, seen at the next check
  EXPECT_EQ(moves[2].at - moves[1].at, 3s);

  w.set_health(ThrottledObservation({Throttle::kCpu}));
  w.Run(4s);
  ASSERT_EQ(w.Moves().back().decision.move, ConcurrencyMove::kDecrease);
  const MonoTime decreased = w.Moves().back().at;
  w.set_health(HealthyObservation());
  w.Run(10s);
  EXPECT_EQ(w.Moves().back().at, decreased);
  EXPECT_THAT(w.last().decision.reason, HasSubstr("no increase within 10.5s of a decrease"));
  w.Run(1s);  // 10.5 s, seen at the next check
  EXPECT_EQ(w.last().decision.move, ConcurrencyMove::kIncrease);
}

TEST(ConcurrencyPolicyTest, BoundedByMaximumFunctionConcurrency) {
  ConcurrencyOptions o;
  o.maximum_function_concurrency = 10;
  ConcurrencyWorld w(o);
  w.Run(2min);
  EXPECT_EQ(w.level(), 10);
  EXPECT_THAT(Steps(w.Moves()), ElementsAre(1, 2, 3, 3));  // 7 + 4 would pass 10
  EXPECT_EQ(w.last().decision.reason, "hold 10: at maximumFunctionConcurrency 10");
}

TEST(ConcurrencyPolicyTest, DefaultMaximumIs500) {
  ConcurrencyWorld w;
  w.Run(10min);
  EXPECT_EQ(w.level(), 500);
  EXPECT_EQ(w.last().decision.reason, "hold 500: at maximumFunctionConcurrency 500");
}

TEST(ConcurrencyPolicyTest, MinusOneIsUnbounded) {
  ConcurrencyOptions o;
  o.maximum_function_concurrency = -1;
  ConcurrencyWorld w(o);
  w.Run(10min);
  EXPECT_GT(w.level(), 500);
}

TEST(ConcurrencyPolicyTest, ALoweredMaximumCapsAtOnceWithoutCountingAsADecrease) {
  ConcurrencyOptions o;
  o.maximum_function_concurrency = 50;
  FunctionConcurrencyState s = NewFunctionConcurrencyState(MonoTime{}, 80);
  ConcurrencyDecision d = Adjust(o, s, HealthyObservation(), 80, MonoTime{} + 1s);
  EXPECT_EQ(d.move, ConcurrencyMove::kCap);
  EXPECT_EQ(d.level, 50);
  EXPECT_EQ(d.reason, "cap 80 → 50: above maximumFunctionConcurrency 50");
  EXPECT_FALSE(d.next_state.last_decrease.has_value());
}

TEST(ConcurrencyPolicyTest, UnknownHealthMakesNoMoveAndEndsRuns) {
  ConcurrencyOptions o;
  FunctionConcurrencyState s = NewFunctionConcurrencyState(MonoTime{}, 5);
  MonoTime t{};
  for (int i = 0; i < 5; ++i) {
    t += 1s;
    s = Adjust(o, s, HealthyObservation(), 5, t).next_state;
  }
  EXPECT_EQ(s.healthy_checks, 5);
  t += 1s;
  ConcurrencyDecision d = Adjust(o, s, UnknownObservation("cpu: 2 of 5 samples"), 5, t);
  EXPECT_EQ(d.level, 5);
  EXPECT_EQ(d.reason, "hold 5: host health unknown (cpu: 2 of 5 samples)");
  EXPECT_EQ(d.next_state.healthy_checks, 0);
  t += 1s;
  d = Adjust(o, d.next_state, HealthyObservation(), 5, t);
  EXPECT_EQ(d.reason, "hold 5: healthy for 1 of 6 checks");
}

TEST(ConcurrencyPolicyTest, FullUseIsTheHighWaterMarkSinceTheLastMove) {
  // One busy second in the interval is enough: the caller reports per call, the state keeps
  // the maximum until the next move.
  ConcurrencyOptions o;
  FunctionConcurrencyState s = NewFunctionConcurrencyState(MonoTime{}, 4);
  MonoTime t{};
  const int in_flight[] = {4, 0, 1, 0, 2, 0};
  ConcurrencyDecision d;
  for (int n : in_flight) {
    t += 1s;
    d = Adjust(o, s, HealthyObservation(), n, t);
    s = d.next_state;
  }
  EXPECT_EQ(d.move, ConcurrencyMove::kIncrease);
  EXPECT_EQ(d.level, 5);
  EXPECT_EQ(d.next_state.max_in_flight, 0);  // a new interval begins
}

TEST(ConcurrencyPolicyTest, LongHoldsDoNotOverflowTheLatencySums) {
  ConcurrencyOptions o;
  o.maximum_function_concurrency = 3;
  FunctionConcurrencyState s = NewFunctionConcurrencyState(MonoTime{}, 3);
  MonoTime t{};
  const CompletedInvocations huge{INT64_MAX, Duration::max()};
  for (int i = 0; i < 100; ++i) {
    t += 1s;
    s = Adjust(o, s, HealthyObservation(), 3, t, huge).next_state;
  }
  EXPECT_EQ(s.level, 3);  // held at the maximum the whole time
  EXPECT_GT(s.completed, 0);
  EXPECT_LE(s.completed_time, std::chrono::hours(24 * 365));
}

TEST(ConcurrencyPolicyTest, AvailableInvocations) {
  EXPECT_EQ(AvailableInvocations(8, 3, HealthyObservation()), 5);
  EXPECT_EQ(AvailableInvocations(8, 3, UnknownObservation("few samples")), 5);
  EXPECT_EQ(AvailableInvocations(8, 9, HealthyObservation()), 0);  // after a decrease
  EXPECT_EQ(AvailableInvocations(8, -1, HealthyObservation()), 8);
}

TEST(ConcurrencyPolicyTest, AThrottledHostTakesNoBatchesButKeepsOneRunningPerFunction) {
  const HealthObservation cpu = ThrottledObservation({Throttle::kCpu});
  const HealthObservation loop = ThrottledObservation({Throttle::kEventLoop});
  EXPECT_EQ(AvailableInvocations(8, 3, cpu), 0);  // no new batches
  EXPECT_EQ(AvailableInvocations(8, 1, loop), 0);
  // Nothing pending: one may start, or a function at level 1 would only idle the CPU.
  EXPECT_EQ(AvailableInvocations(8, 0, cpu), 1);
  EXPECT_EQ(AvailableInvocations(1, 0, cpu), 1);
  EXPECT_EQ(AvailableInvocations(1, 0, loop), 1);
  EXPECT_EQ(AvailableInvocations(1, 1, cpu), 0);
  // Memory: nothing at all, a running invocation is what grows the working set.
  EXPECT_EQ(AvailableInvocations(8, 0, ThrottledObservation({Throttle::kMemory})), 0);
  EXPECT_EQ(AvailableInvocations(1, 0, ThrottledObservation({Throttle::kCpu, Throttle::kMemory})),
            0);
}

TEST(ConcurrencyPolicyTest, ValidatesOptions) {
  ConcurrencyOptions o;
  EXPECT_TRUE(ValidateConcurrencyOptions(o).ok());
  o.maximum_function_concurrency = -1;
  EXPECT_TRUE(ValidateConcurrencyOptions(o).ok());
  o.maximum_function_concurrency = 0;
  EXPECT_THAT(ValidateConcurrencyOptions(o).message(),
              HasSubstr("maximumFunctionConcurrency must be >= 1 or -1"));
  o = {};
  o.cpu_threshold = 1.0;
  EXPECT_THAT(ValidateConcurrencyOptions(o).message(), HasSubstr("cpuThreshold"));
  o.cpu_threshold = 0.0;
  EXPECT_FALSE(ValidateConcurrencyOptions(o).ok());
  o = {};
  o.healthy_checks_before_increase = 0;
  EXPECT_FALSE(ValidateConcurrencyOptions(o).ok());
}

TEST(ConcurrencyPolicyTest, HealthThresholdsComeFromTheOptions) {
  ConcurrencyOptions o;
  o.cpu_threshold = 0.7;
  const HealthThresholds t = HealthThresholdsFor(o, 1536ll << 20);
  EXPECT_DOUBLE_EQ(t.cpu_threshold, 0.7);
  EXPECT_DOUBLE_EQ(t.memory_fraction, 0.9);
  EXPECT_EQ(t.instance_memory_bytes, 1536ll << 20);
  EXPECT_EQ(t.cpu_sample_count, 5);
}

}  // namespace
}  // namespace squall
