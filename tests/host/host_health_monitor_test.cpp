// The live health sampler on a simulated clock with scripted CPU and memory readings.
#include "host/host_health_monitor.h"

#include <gtest/gtest.h>

#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

class HostHealthMonitorTest : public ::testing::Test {
 protected:
  void Make(double cores, std::int64_t memory_limit = 0) {
    HealthThresholds t;
    t.cpu_threshold = 0.80;
    t.instance_memory_bytes = memory_limit;
    monitor_ = std::make_unique<HostHealthMonitor>(clock_, t, cores, [this] {
      ProcessUsageSample s;
      s.ok = readable_;
      s.cpu_seconds = cpu_seconds_;
      s.memory_bytes = memory_;
      return s;
    });
    monitor_->Start();
  }
  // Advances one second while the instance burns `busy` of a core.
  void Second(double busy) {
    cpu_seconds_ += busy;
    clock_.Advance(1s);
  }

  SimulatedClock clock_;
  double cpu_seconds_ = 0;
  std::int64_t memory_ = 100 << 20;
  bool readable_ = true;
  std::unique_ptr<HostHealthMonitor> monitor_;
};

TEST_F(HostHealthMonitorTest, UnknownUntilFiveCpuSamplesThenHealthy) {
  Make(2);
  for (int i = 0; i < 4; ++i) Second(0.2);
  EXPECT_EQ(monitor_->Check().state, HealthState::kUnknown);
  Second(0.2);
  HealthObservation h = monitor_->Check();
  EXPECT_EQ(h.state, HealthState::kHealthy) << h.detail;
}

TEST_F(HostHealthMonitorTest, CpuIsMeasuredAgainstTheInstancesCores) {
  Make(2);
  for (int i = 0; i < 5; ++i) Second(1.0);  // one full core of two: 0.5
  EXPECT_EQ(monitor_->Check().state, HealthState::kHealthy);
  for (int i = 0; i < 5; ++i) Second(1.8);  // 0.9 of two cores
  HealthObservation h = monitor_->Check();
  EXPECT_EQ(h.state, HealthState::kThrottled);
  EXPECT_TRUE(h.throttles.Has(Throttle::kCpu)) << h.detail;

  Make(1);  // the same 1.0 s per second is a whole one-core instance
  for (int i = 0; i < 6; ++i) Second(1.0);
  EXPECT_TRUE(monitor_->Check().throttles.Has(Throttle::kCpu));
}

TEST_F(HostHealthMonitorTest, MemoryThrottleAtNinetyPercentOfTheInstanceMemory) {
  Make(2, std::int64_t{1000} << 20);
  for (int i = 0; i < 5; ++i) Second(0.1);
  EXPECT_EQ(monitor_->Check().state, HealthState::kHealthy);
  memory_ = std::int64_t{905} << 20;
  Second(0.1);
  HealthObservation h = monitor_->Check();
  EXPECT_TRUE(h.throttles.Has(Throttle::kMemory)) << h.detail;
  EXPECT_EQ(monitor_->working_set(), memory_);
}

TEST_F(HostHealthMonitorTest, AnUnreadableProcessTreeLeavesCpuUnknown) {
  readable_ = false;
  Make(1);
  for (int i = 0; i < 10; ++i) Second(0.1);
  EXPECT_EQ(monitor_->Check().state, HealthState::kUnknown);
}

TEST_F(HostHealthMonitorTest, TheLoopsTicksAreCounted) {
  Make(1);
  for (int i = 0; i < 5; ++i) Second(0.1);
  monitor_->Check();
  // A simulated loop never starves: all ten ticks of the next second ran.
  Second(0.1);
  HealthObservation h = monitor_->Check();
  EXPECT_FALSE(h.throttles.Has(Throttle::kEventLoop)) << h.detail;
  EXPECT_NE(h.detail.find("missed 0 of 10"), std::string::npos) << h.detail;
}

TEST_F(HostHealthMonitorTest, StopEndsSampling) {
  int reads = 0;
  HealthThresholds t;
  HostHealthMonitor m(clock_, t, 1, [&] {
    ++reads;
    return ProcessUsageSample{0, 0, true};
  });
  m.Start();
  clock_.Advance(3s);
  EXPECT_EQ(reads, 4);  // at start and every second
  m.Stop();
  clock_.Advance(10s);
  EXPECT_EQ(reads, 4);
}

}  // namespace
}  // namespace squall
