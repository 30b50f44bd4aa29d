#include "core/simulated_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Duration Since(const SimulatedClock& clock, MonoTime start) { return clock.Now() - start; }

TEST(SimulatedClockTest, StartsAtZeroAndMovesOnlyWhenAdvanced) {
  SimulatedClock clock;
  EXPECT_EQ(clock.Now(), MonoTime{});
  EXPECT_EQ(clock.Now(), MonoTime{});
  clock.Advance(1500ms);
  EXPECT_EQ(clock.Now(), MonoTime{} + 1500ms);
  clock.Advance(0ns);
  EXPECT_EQ(clock.Now(), MonoTime{} + 1500ms);
}

TEST(SimulatedClockTest, TimersFireInDueOrderNotSchedulingOrder) {
  SimulatedClock clock;
  std::vector<std::string> fired;
  clock.Schedule(3s, [&] { fired.push_back("c@3"); });
  clock.Schedule(1s, [&] { fired.push_back("a@1"); });
  clock.Schedule(2s, [&] { fired.push_back("b@2"); });
  EXPECT_EQ(clock.pending(), 3u);
  clock.Advance(10s);
  EXPECT_THAT(fired, ElementsAre("a@1", "b@2", "c@3"));
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(SimulatedClockTest, TimersFireOnlyWhenDue) {
  SimulatedClock clock;
  int fired = 0;
  clock.Schedule(1s, [&] { ++fired; });
  clock.Advance(999ms);
  EXPECT_EQ(fired, 0);
  clock.Advance(999'999ns);
  EXPECT_EQ(fired, 0);
  clock.Advance(1ns);  // exactly due
  EXPECT_EQ(fired, 1);
  clock.Advance(1h);
  EXPECT_EQ(fired, 1);  // once only
}

TEST(SimulatedClockTest, CallbackSeesItsDueTimeAsNow) {
  SimulatedClock clock;
  std::vector<Duration> seen;
  clock.Schedule(2s, [&] { seen.push_back(clock.Now() - MonoTime{}); });
  clock.Schedule(5s, [&] { seen.push_back(clock.Now() - MonoTime{}); });
  clock.Advance(1min);
  EXPECT_THAT(seen, ElementsAre(Duration(2s), Duration(5s)));
  EXPECT_EQ(clock.Now(), MonoTime{} + 1min);
}

TEST(SimulatedClockTest, TiesFireInSchedulingOrder) {
  SimulatedClock clock;
  std::vector<int> fired;
  for (int i = 0; i < 10; ++i) clock.Schedule(1s, [&fired, i] { fired.push_back(i); });
  clock.Advance(1s);
  EXPECT_THAT(fired, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
}

TEST(SimulatedClockTest, TiesAcrossDifferentScheduleTimesKeepSchedulingOrder) {
  SimulatedClock clock;
  std::vector<std::string> fired;
  clock.Schedule(2s, [&] { fired.push_back("first"); });  // due at 2 s
  clock.Advance(1s);
  clock.Schedule(1s, [&] { fired.push_back("second"); });  // also due at 2 s
  clock.Advance(1s);
  EXPECT_THAT(fired, ElementsAre("first", "second"));
}

TEST(SimulatedClockTest, CancelPreventsFiring) {
  SimulatedClock clock;
  std::vector<int> fired;
  TimerId a = clock.Schedule(1s, [&] { fired.push_back(1); });
  TimerId b = clock.Schedule(2s, [&] { fired.push_back(2); });
  EXPECT_NE(a, kNoTimer);
  EXPECT_NE(b, kNoTimer);
  EXPECT_NE(a, b);
  clock.Cancel(a);
  EXPECT_EQ(clock.pending(), 1u);
  clock.Advance(5s);
  EXPECT_THAT(fired, ElementsAre(2));
}

TEST(SimulatedClockTest, CancelOfFiredUnknownOrNoTimerIsNoop) {
  SimulatedClock clock;
  int fired = 0;
  TimerId a = clock.Schedule(1s, [&] { ++fired; });
  clock.Advance(1s);
  EXPECT_EQ(fired, 1);
  clock.Cancel(a);
  clock.Cancel(kNoTimer);
  clock.Cancel(12345);
  TimerId b = clock.Schedule(1s, [&] { ++fired; });
  clock.Cancel(a);  // the old id must not cancel the new timer
  EXPECT_EQ(clock.pending(), 1u);
  clock.Advance(1s);
  EXPECT_EQ(fired, 2);
  clock.Cancel(b);
  clock.Cancel(b);
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(SimulatedClockTest, CallbackCanCancelALaterTimer) {
  SimulatedClock clock;
  std::vector<int> fired;
  TimerId later = kNoTimer;
  clock.Schedule(1s, [&] {
    fired.push_back(1);
    clock.Cancel(later);
  });
  later = clock.Schedule(2s, [&] { fired.push_back(2); });
  clock.Advance(5s);
  EXPECT_THAT(fired, ElementsAre(1));
}

TEST(SimulatedClockTest, AdvanceFiresTimersScheduledByCallbacksWhenDue) {
  SimulatedClock clock;
  std::vector<std::pair<std::string, Duration>> fired;
  auto at = [&](std::string what) { fired.emplace_back(std::move(what), clock.Now() - MonoTime{}); };
  clock.Schedule(1s, [&] {
    at("outer");
    clock.Schedule(2s, [&] {  // due at 3 s: inside the advance window
      at("inner");
      clock.Schedule(10s, [&] { at("too-late"); });  // due at 13 s: outside
    });
    clock.Schedule(0s, [&] { at("zero-delay"); });  // due at 1 s, right now
  });
  clock.Advance(5s);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(std::string("outer"), Duration(1s)));
  EXPECT_EQ(fired[1], std::make_pair(std::string("zero-delay"), Duration(1s)));
  EXPECT_EQ(fired[2], std::make_pair(std::string("inner"), Duration(3s)));
  EXPECT_EQ(clock.Now(), MonoTime{} + 5s);
  EXPECT_EQ(clock.pending(), 1u);
  clock.Advance(8s);
  ASSERT_EQ(fired.size(), 4u);
  EXPECT_EQ(fired[3], std::make_pair(std::string("too-late"), Duration(13s)));
}

TEST(SimulatedClockTest, ZeroDelayTimerNeedsAnAdvanceToFire) {
  SimulatedClock clock;
  int fired = 0;
  clock.Schedule(0s, [&] { ++fired; });
  EXPECT_EQ(fired, 0);  // never runs inline
  clock.Advance(0s);
  EXPECT_EQ(fired, 1);
}

TEST(SimulatedClockTest, NegativeDelayIsTreatedAsZero) {
  SimulatedClock clock;
  clock.Advance(10s);
  int fired = 0;
  clock.Schedule(-5s, [&] { ++fired; });
  clock.Advance(0s);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.Now(), MonoTime{} + 10s);  // time never goes backwards
}

TEST(SimulatedClockTest, RunNextFiresOneTimerAndMovesTimeToIt) {
  SimulatedClock clock;
  std::vector<int> fired;
  clock.Schedule(7s, [&] { fired.push_back(7); });
  clock.Schedule(3s, [&] { fired.push_back(3); });
  MonoTime start = clock.Now();
  ASSERT_TRUE(clock.RunNext());
  EXPECT_THAT(fired, ElementsAre(3));
  EXPECT_EQ(Since(clock, start), Duration(3s));
  EXPECT_EQ(clock.pending(), 1u);
  ASSERT_TRUE(clock.RunNext());
  EXPECT_THAT(fired, ElementsAre(3, 7));
  EXPECT_EQ(Since(clock, start), Duration(7s));
  EXPECT_FALSE(clock.RunNext());
  EXPECT_EQ(Since(clock, start), Duration(7s));  // no timer: time stays put
}

TEST(SimulatedClockTest, RunNextOnEmptyClockReturnsFalse) {
  SimulatedClock clock;
  EXPECT_FALSE(clock.RunNext());
  EXPECT_EQ(clock.Now(), MonoTime{});
}

TEST(SimulatedClockTest, RunNextSkipsCancelledTimers) {
  SimulatedClock clock;
  std::vector<int> fired;
  TimerId first = clock.Schedule(1s, [&] { fired.push_back(1); });
  clock.Schedule(2s, [&] { fired.push_back(2); });
  clock.Cancel(first);
  ASSERT_TRUE(clock.RunNext());
  EXPECT_THAT(fired, ElementsAre(2));
  EXPECT_EQ(clock.Now(), MonoTime{} + 2s);
}

TEST(SimulatedClockTest, WallNowMovesWithNow) {
  const WallTime start{std::chrono::seconds(1'700'000'000)};
  SimulatedClock clock(start);
  EXPECT_EQ(clock.WallNow(), start);
  clock.Advance(90s);
  EXPECT_EQ(clock.WallNow(), start + 90s);
  clock.Schedule(250ms, [] {});
  ASSERT_TRUE(clock.RunNext());
  EXPECT_EQ(clock.WallNow(), start + 90s + 250ms);
  EXPECT_EQ(clock.WallNow() - start, clock.Now() - MonoTime{});
}

TEST(SimulatedClockTest, DefaultWallStartIsNov2023) {
  SimulatedClock clock;
  EXPECT_EQ(clock.WallNow().time_since_epoch(), Duration(std::chrono::seconds(1'700'000'000)));
}

TEST(SimulatedClockTest, IsUsableThroughTheClockInterface) {
  SimulatedClock sim;
  Clock& clock = sim;
  int fired = 0;
  TimerId id = clock.Schedule(1s, [&] { ++fired; });
  clock.Schedule(2s, [&] { ++fired; });
  clock.Cancel(id);
  sim.Advance(2s);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.Now(), MonoTime{} + 2s);
}

}  // namespace
}  // namespace squall
