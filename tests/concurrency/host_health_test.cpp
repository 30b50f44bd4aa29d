#include "concurrency/host_health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kMb = 1024 * 1024;

TEST(HostHealthTest, CpuIsUnknownUntilFiveSamples) {
  const HealthThresholds t;
  const std::vector<double> four = {0.9, 0.9, 0.9, 0.9};
  const SignalReading r = EvaluateCpu(t, four);
  EXPECT_EQ(r.state, SignalState::kUnknown);
  EXPECT_EQ(r.detail, "cpu: 4 of 5 samples");
}

TEST(HostHealthTest, CpuAveragesTheLastFiveSamplesAgainstTheThreshold) {
  const HealthThresholds t;
  // The old 0.0 samples are out of the window; the last five average exactly 0.80.
  const std::vector<double> at = {0.0, 0.0, 0.5, 1.0, 0.75, 0.75, 1.0};
  const SignalReading over = EvaluateCpu(t, at);
  EXPECT_EQ(over.state, SignalState::kOver);
  EXPECT_EQ(over.detail, "cpu 0.80 (avg of 5) >= 0.80");

  const std::vector<double> below = {0.99, 0.7, 0.9, 0.8, 0.8, 0.7};
  EXPECT_EQ(EvaluateCpu(t, below).state, SignalState::kOk);
  EXPECT_EQ(EvaluateCpu(t, below).detail, "cpu 0.78 (avg of 5)");

  // One hot second does not throttle: it is an average.
  const std::vector<double> spike = {0.3, 0.3, 1.0, 0.3, 0.3};
  EXPECT_EQ(EvaluateCpu(t, spike).state, SignalState::kOk);
}

TEST(HostHealthTest, CpuSamplesAreClampedAndNonFiniteOnesCountAsZero) {
  const HealthThresholds t;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> odd = {5.0, 5.0, 5.0, 5.0, nan};  // (1 + 1 + 1 + 1 + 0) / 5
  EXPECT_EQ(EvaluateCpu(t, odd).state, SignalState::kOver);
  EXPECT_EQ(EvaluateCpu(t, odd).detail, "cpu 0.80 (avg of 5) >= 0.80");
  const std::vector<double> negative = {-3, -3, -3, -3, -3};
  EXPECT_EQ(EvaluateCpu(t, negative).detail, "cpu 0.00 (avg of 5)");
}

TEST(HostHealthTest, CpuThresholdComesFromHostJson) {
  HealthThresholds t;
  t.cpu_threshold = 0.5;
  const std::vector<double> samples = {0.5, 0.5, 0.5, 0.5, 0.5};
  EXPECT_EQ(EvaluateCpu(t, samples).state, SignalState::kOver);
}

TEST(HostHealthTest, EventLoopIsStarvedWhenMoreThanHalfItsTicksAreMissed) {
  const HealthThresholds t;
  // 1 s window: 10 ticks due. Missing 5 is exactly half: not starved; missing 6 is.
  EXPECT_EQ(EvaluateEventLoop(t, 1s, 5).state, SignalState::kOk);
  const SignalReading starved = EvaluateEventLoop(t, 1s, 4);
  EXPECT_EQ(starved.state, SignalState::kOver);
  EXPECT_EQ(starved.detail, "event loop missed 6 of 10 ticks");
  EXPECT_EQ(EvaluateEventLoop(t, 1s, 10).detail, "event loop missed 0 of 10 ticks");
  // More ticks than due (timer catching up) is healthy, not negative misses.
  EXPECT_EQ(EvaluateEventLoop(t, 1s, 25).detail, "event loop missed 0 of 10 ticks");
  // A longer window since the last check: 2.55 s = 25 ticks due, 12 missed of 25 is not > 12.
  EXPECT_EQ(EvaluateEventLoop(t, 2550ms, 13).state, SignalState::kOk);
  EXPECT_EQ(EvaluateEventLoop(t, 2550ms, 12).state, SignalState::kOver);
  // No tick due yet: no evidence of starvation.
  EXPECT_EQ(EvaluateEventLoop(t, 50ms, 0).state, SignalState::kOk);
  EXPECT_EQ(EvaluateEventLoop(t, 0s, 0).state, SignalState::kOk);
}

TEST(HostHealthTest, MemoryThrottlesAtNinetyPercentOfTheInstanceMemory) {
  HealthThresholds t;
  EXPECT_EQ(EvaluateMemory(t, 100 * kMb).state, SignalState::kOk);  // no limit known
  EXPECT_EQ(EvaluateMemory(t, 100 * kMb).detail, "memory: no limit");

  t.instance_memory_bytes = 1000 * kMb;
  EXPECT_EQ(EvaluateMemory(t, std::nullopt).state, SignalState::kUnknown);
  EXPECT_EQ(EvaluateMemory(t, 899 * kMb).state, SignalState::kOk);
  EXPECT_EQ(EvaluateMemory(t, 899 * kMb).detail, "memory 899 MB of 1000 MB");
  const SignalReading over = EvaluateMemory(t, 900 * kMb);
  EXPECT_EQ(over.state, SignalState::kOver);
  EXPECT_EQ(over.detail, "memory 900 MB of 1000 MB >= 90 %");
}

HealthSamples Calm() {
  HealthSamples s;
  s.cpu = {0.2, 0.2, 0.2, 0.2, 0.2};
  s.loop_window = 1s;
  s.loop_ticks = 10;
  s.working_set_bytes = 200 * kMb;
  return s;
}

TEST(HostHealthTest, HealthyWhenNoThrottleIsOnAndEverySignalIsKnown) {
  HealthThresholds t;
  t.instance_memory_bytes = 1536 * kMb;
  const HealthObservation h = EvaluateHealth(t, Calm());
  EXPECT_EQ(h.state, HealthState::kHealthy);
  EXPECT_TRUE(h.throttles.empty());
  EXPECT_EQ(h.detail,
            "cpu 0.20 (avg of 5); event loop missed 0 of 10 ticks; memory 200 MB of 1536 MB");
}

TEST(HostHealthTest, UnknownWhileASignalHasNoData) {
  HealthThresholds t;
  t.instance_memory_bytes = 1536 * kMb;
  HealthSamples s = Calm();
  s.cpu.resize(2);
  EXPECT_EQ(EvaluateHealth(t, s).state, HealthState::kUnknown);
  s = Calm();
  s.working_set_bytes.reset();
  EXPECT_EQ(EvaluateHealth(t, s).state, HealthState::kUnknown);
}

TEST(HostHealthTest, AnyThrottleMakesTheHostThrottledEvenWithUnknownSignals) {
  HealthThresholds t;
  t.instance_memory_bytes = 1000 * kMb;
  HealthSamples s = Calm();
  s.cpu.resize(1);
  s.loop_ticks = 1;
  s.working_set_bytes = 950 * kMb;
  const HealthObservation h = EvaluateHealth(t, s);
  EXPECT_EQ(h.state, HealthState::kThrottled);
  EXPECT_TRUE(h.throttles.Has(Throttle::kEventLoop));
  EXPECT_TRUE(h.throttles.Has(Throttle::kMemory));
  EXPECT_FALSE(h.throttles.Has(Throttle::kCpu));
  EXPECT_THAT(h.throttles.Names(), ElementsAre("EventLoopStarvation", "Memory"));
  EXPECT_EQ(h.throttles.ToString(), "EventLoopStarvation, Memory");
  EXPECT_THAT(h.detail, HasSubstr("cpu: 1 of 5 samples"));
}

TEST(HostHealthTest, ThrottleSetNamesAndBits) {
  ThrottleSet none;
  EXPECT_EQ(none.ToString(), "none");
  EXPECT_THAT(none.Names(), IsEmpty());
  const ThrottleSet all = {Throttle::kMemory, Throttle::kCpu, Throttle::kEventLoop};
  EXPECT_EQ(all.bits(), 7);
  EXPECT_EQ(all.ToString(), "CPU, EventLoopStarvation, Memory");
  EXPECT_EQ(ThrottleSet({Throttle::kCpu}), ThrottleSet({Throttle::kCpu, Throttle::kCpu}));
  EXPECT_STREQ(HealthStateName(HealthState::kThrottled), "throttled");
}

}  // namespace
}  // namespace squall
