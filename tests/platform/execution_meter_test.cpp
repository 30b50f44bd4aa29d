// The meter of queue and timer executions: what each instance's counters grew by, once.
#include "platform/execution_meter.h"

#include <gtest/gtest.h>

#include "core/simulated_clock.h"
#include "platform_fakes.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

class ExecutionMeterTest : public ::testing::Test {
 protected:
  ExecutionMeterTest()
      : meter_(clock_, instances_, probe_, [this](std::int64_t n, Duration t) {
          count_ += n;
          time_ += t;
        }) {}
  void List(std::vector<std::pair<std::string, int>> id_pid) {
    instances_.listed.clear();
    for (auto& [id, pid] : id_pid) {
      InstanceInfo i;
      i.id = id;
      i.pid = pid;
      i.host = "127.0.0.1";
      i.port = 40000 + pid;
      instances_.listed.push_back(i);
    }
  }

  SimulatedClock clock_;
  FakeInstances instances_;
  FakeProbe probe_;
  std::int64_t count_ = 0;
  Duration time_{};
  ExecutionMeter meter_;
};

TEST_F(ExecutionMeterTest, CountsWhatEachInstancesCountersGrewByOnce) {
  List({{"i-1", 100}, {"i-2", 200}});
  probe_.executions["i-1"] = {5, 2s};
  probe_.executions["i-2"] = {3, 1s};
  meter_.Start();
  clock_.Advance(1s);
  EXPECT_EQ(count_, 8);
  EXPECT_EQ(time_, 3s);
  clock_.Advance(3s);
  EXPECT_EQ(count_, 8) << "unchanged counters add nothing";
  probe_.executions["i-1"] = {7, 3s};
  clock_.Advance(1s);
  EXPECT_EQ(count_, 10);
  EXPECT_EQ(time_, 4s);
}

TEST_F(ExecutionMeterTest, AReplacementUnderTheSameIdStartsFromZero) {
  List({{"i-1", 100}});
  probe_.executions["i-1"] = {5, 2s};
  meter_.PollNow();
  List({{"i-1", 101}});  // another process
  probe_.executions["i-1"] = {2, 1s};
  meter_.PollNow();
  EXPECT_EQ(count_, 7);
  EXPECT_EQ(time_, 3s);
}

TEST_F(ExecutionMeterTest, AFinalReportAddsWhatTheLastPollMissed) {
  List({{"i-1", 100}});
  probe_.executions["i-1"] = {5, 2s};
  meter_.PollNow();
  InstanceInfo from_controller = instances_.listed[0];
  from_controller.pid = 0;  // started asynchronously: the controller's record has no pid
  meter_.Report(from_controller, 9, 3s);  // its drain status just before the stop
  EXPECT_EQ(count_, 9);
  EXPECT_EQ(time_, 3s);
  meter_.PollNow();  // an older reading answering late adds nothing
  EXPECT_EQ(count_, 9);
}

TEST_F(ExecutionMeterTest, InstancesThatDoNotReportAddNothingAndStopEndsPolling) {
  List({{"i-1", 100}});
  meter_.Start();
  clock_.Advance(2s);
  EXPECT_EQ(count_, 0);
  meter_.Stop();
  probe_.executions["i-1"] = {5, 2s};
  clock_.Advance(5s);
  EXPECT_EQ(count_, 0);
}

}  // namespace
}  // namespace squall
