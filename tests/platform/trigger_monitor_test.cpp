#include "platform/trigger_monitor.h"

#include <gtest/gtest.h>

#include "core/simulated_clock.h"
#include "tests/triggers/fake_queue_store.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using testing::FakeQueueStore;

class TriggerMonitorTest : public ::testing::Test {
 protected:
  TriggerMonitorTest() : store_(clock_) {}

  std::unique_ptr<TriggerMonitor> Make() {
    TriggerMonitorOptions o;
    o.queues.push_back({"Work", "orders", &store_});
    o.timer_functions.push_back("Tick");
    o.batch_size = 16;
    o.new_batch_threshold = 16;
    o.interval = 1s;
    return std::make_unique<TriggerMonitor>(clock_, o);
  }

  void Put(int n) {
    for (int i = 0; i < n; ++i) store_.Put("orders", "x", 0s, 24h, [](StatusOr<QueueMessage>) {});
  }

  SimulatedClock clock_;
  FakeQueueStore store_;
};

TEST_F(TriggerMonitorTest, QueueLengthBecomesAzuresTargetAndTimersWantOne) {
  Put(100);
  auto m = Make();
  m->Start();
  auto targets = m->Targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].function, "Work");
  EXPECT_EQ(targets[0].desired, 4);  // ceil(100 / 32)
  EXPECT_NE(targets[0].reason.find("queue 'orders' length 100"), std::string::npos);
  EXPECT_EQ(targets[1].function, "Tick");
  EXPECT_EQ(targets[1].trigger_type, "timerTrigger");
  EXPECT_EQ(targets[1].desired, 1);
}

TEST_F(TriggerMonitorTest, LengthsAreReadEveryIntervalAndARiseFromZeroWakes) {
  auto m = Make();
  int wakes = 0;
  m->SetWakeHook([&] { ++wakes; });
  m->Start();
  EXPECT_EQ(m->Targets()[0].desired, 0);
  Put(40);
  EXPECT_EQ(m->Targets()[0].desired, 0);  // not read yet
  clock_.Advance(1s);
  EXPECT_EQ(m->Targets()[0].desired, 2);
  EXPECT_EQ(wakes, 1);
  Put(40);
  clock_.Advance(1s);
  EXPECT_EQ(m->Targets()[0].desired, 3);
  EXPECT_EQ(wakes, 1);  // only a rise from zero pokes the controller
}

TEST_F(TriggerMonitorTest, RefreshReadsAtOnceButAtMostEvery50ms) {
  auto m = Make();
  m->Start();
  int gets_before = store_.gets;
  Put(10);
  m->Refresh();
  EXPECT_EQ(m->Lengths().at("orders"), 10);
  Put(10);
  m->Refresh();
  EXPECT_EQ(m->Lengths().at("orders"), 10);  // the last refresh was < 50 ms ago
  clock_.Advance(60ms);
  m->Refresh();
  EXPECT_EQ(m->Lengths().at("orders"), 20);
  EXPECT_EQ(store_.gets, gets_before);  // lengths never take messages
}

TEST_F(TriggerMonitorTest, StopEndsTheReads) {
  auto m = Make();
  m->Start();
  m->Stop();
  Put(10);
  clock_.Advance(5s);
  EXPECT_EQ(m->Lengths().at("orders"), 0);
}

}  // namespace
}  // namespace squall
