#include "host/request_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall {
namespace {

using Admission = RequestGate::Admission;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(RequestGateTest, UnboundedAlwaysRunsNow) {
  RequestGate gate(-1, -1);
  int started_later = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(gate.Enter([&] { ++started_later; }), Admission::kRunNow) << i;
  }
  EXPECT_EQ(gate.running(), 1000);
  EXPECT_EQ(gate.waiting(), 0);
  for (int i = 0; i < 1000; ++i) gate.Leave();
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(started_later, 0);  // kRunNow never calls start
}

TEST(RequestGateTest, ReportsItsLimits) {
  RequestGate gate(4, 10);
  EXPECT_EQ(gate.max_concurrent(), 4);
  EXPECT_EQ(gate.max_outstanding(), 10);
}

TEST(RequestGateTest, ConcurrencyLimitQueuesTheRest) {
  RequestGate gate(2, -1);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kQueued);
  EXPECT_EQ(gate.Enter([] {}), Admission::kQueued);
  EXPECT_EQ(gate.running(), 2);
  EXPECT_EQ(gate.waiting(), 2);
}

TEST(RequestGateTest, QueuedRunInFifoOrderOnePerLeave) {
  RequestGate gate(1, -1);
  std::vector<std::string> started;
  ASSERT_EQ(gate.Enter([&] { started.push_back("a"); }), Admission::kRunNow);
  ASSERT_EQ(gate.Enter([&] { started.push_back("b"); }), Admission::kQueued);
  ASSERT_EQ(gate.Enter([&] { started.push_back("c"); }), Admission::kQueued);
  ASSERT_EQ(gate.Enter([&] { started.push_back("d"); }), Admission::kQueued);
  EXPECT_THAT(started, IsEmpty());

  gate.Leave();  // a done -> b
  EXPECT_THAT(started, ElementsAre("b"));
  EXPECT_EQ(gate.running(), 1);
  EXPECT_EQ(gate.waiting(), 2);

  gate.Leave();  // b done -> c
  EXPECT_THAT(started, ElementsAre("b", "c"));
  EXPECT_EQ(gate.running(), 1);
  EXPECT_EQ(gate.waiting(), 1);

  gate.Leave();  // c done -> d
  EXPECT_THAT(started, ElementsAre("b", "c", "d"));
  EXPECT_EQ(gate.running(), 1);
  EXPECT_EQ(gate.waiting(), 0);

  gate.Leave();  // d done
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(gate.waiting(), 0);
  EXPECT_THAT(started, ElementsAre("b", "c", "d"));
}

TEST(RequestGateTest, FreedSlotPassesToWaiterBeforeNewArrivals) {
  RequestGate gate(1, -1);
  std::vector<std::string> started;
  ASSERT_EQ(gate.Enter([] {}), Admission::kRunNow);
  ASSERT_EQ(gate.Enter([&] { started.push_back("waiter"); }), Admission::kQueued);
  gate.Leave();
  EXPECT_THAT(started, ElementsAre("waiter"));
  // The waiter holds the slot now: a newcomer must queue, not run.
  EXPECT_EQ(gate.Enter([&] { started.push_back("newcomer"); }), Admission::kQueued);
  gate.Leave();
  EXPECT_THAT(started, ElementsAre("waiter", "newcomer"));
  gate.Leave();
  EXPECT_EQ(gate.running(), 0);
  // Now there is room again.
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
}

TEST(RequestGateTest, QueuedStartMayLeaveSynchronously) {
  // A queued request that finishes inside its start callback calls Leave() re-entrantly; the
  // gate must not hold its lock while running start (else deadlock) and must chain on.
  RequestGate gate(1, -1);
  std::vector<int> started;
  ASSERT_EQ(gate.Enter([] {}), Admission::kRunNow);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(gate.Enter([&gate, &started, i] {
      started.push_back(i);
      gate.Leave();
    }),
              Admission::kQueued);
  }
  gate.Leave();
  EXPECT_THAT(started, ElementsAre(1, 2, 3));
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(gate.waiting(), 0);
}

TEST(RequestGateTest, OutstandingLimitRejects) {
  RequestGate gate(1, 3);  // 1 running + 2 waiting at most
  std::vector<std::string> started;
  EXPECT_EQ(gate.Enter([&] { started.push_back("a"); }), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([&] { started.push_back("b"); }), Admission::kQueued);
  EXPECT_EQ(gate.Enter([&] { started.push_back("c"); }), Admission::kQueued);
  EXPECT_EQ(gate.Enter([&] { started.push_back("rejected"); }), Admission::kRejected);
  EXPECT_EQ(gate.running(), 1);
  EXPECT_EQ(gate.waiting(), 2);

  gate.Leave();  // a done, b runs: outstanding 2 -> room for one more
  EXPECT_EQ(gate.Enter([&] { started.push_back("d"); }), Admission::kQueued);
  EXPECT_EQ(gate.Enter([&] { started.push_back("rejected"); }), Admission::kRejected);

  gate.Leave();
  gate.Leave();
  gate.Leave();
  EXPECT_THAT(started, ElementsAre("b", "c", "d"));  // rejected starts never run
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(gate.waiting(), 0);
}

TEST(RequestGateTest, OutstandingLimitWithUnboundedConcurrency) {
  RequestGate gate(-1, 2);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRejected);
  EXPECT_EQ(gate.running(), 2);
  gate.Leave();
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.running(), 2);
}

TEST(RequestGateTest, OutstandingEqualToConcurrencyNeverQueues) {
  RequestGate gate(2, 2);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRunNow);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRejected);
  EXPECT_EQ(gate.waiting(), 0);
}

TEST(RequestGateTest, ZeroOutstandingRejectsEverything) {
  RequestGate gate(-1, 0);
  EXPECT_EQ(gate.Enter([] {}), Admission::kRejected);
  EXPECT_EQ(gate.running(), 0);
}

TEST(RequestGateTest, RaisingTheLimitStartsWaitingRequestsAtOnce) {
  RequestGate gate(1, 100);
  std::vector<int> started;
  ASSERT_EQ(gate.Enter([] {}), Admission::kRunNow);
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(gate.Enter([&, i] { started.push_back(i); }), Admission::kQueued);
  gate.SetMaxConcurrent(3);
  EXPECT_THAT(started, ElementsAre(1, 2));
  EXPECT_EQ(gate.running(), 3);
  EXPECT_EQ(gate.waiting(), 1);
  EXPECT_EQ(gate.max_concurrent(), 3);
}

TEST(RequestGateTest, LoweringTheLimitLetsRunningOnesFinishAndStartsNoMoreUntilBelow) {
  RequestGate gate(3, 100);
  std::vector<int> started;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(gate.Enter([] {}), Admission::kRunNow);
  ASSERT_EQ(gate.Enter([&] { started.push_back(4); }), Admission::kQueued);
  gate.SetMaxConcurrent(1);
  gate.Leave();  // 2 still run: over the new limit, nothing starts
  EXPECT_THAT(started, IsEmpty());
  gate.Leave();  // 1 runs: at the limit
  EXPECT_THAT(started, IsEmpty());
  gate.Leave();  // 0 run: the waiting one takes the slot
  EXPECT_THAT(started, ElementsAre(4));
  EXPECT_EQ(gate.running(), 1);
}

}  // namespace
}  // namespace squall
