#include "triggers/timer_listener.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/simulated_clock.h"
#include "tests/triggers/fake_lock_store.h"

namespace squall {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::FakeLockStore;

// 2023-11-14T22:13:20Z: the simulated clock's start.
class TimerListenerTest : public ::testing::Test {
 protected:
  TimerListenerTest() : locks_(clock_) { fn_.name = "Tick"; }

  struct Run {
    std::string instance;
    bool past_due;
    std::string last;
    std::string next;
    WallTime at;
  };

  std::shared_ptr<TimerListener> Make(const std::string& instance, const std::string& schedule,
                                      bool run_on_startup = false, bool use_monitor = true) {
    TimerListenerOptions o;
    o.spec.function = &fn_;
    o.spec.binding_name = "myTimer";
    o.spec.schedule = schedule;
    o.spec.run_on_startup = run_on_startup;
    o.spec.use_monitor = use_monitor;
    o.owner = instance;
    o.app_name = "app";
    auto listener = TimerListener::Create(
        o, locks_, clock_,
        [this, instance](std::string body, std::function<void(StatusOr<std::string>)> done) {
          json::value v = json::parse(body);
          const auto& t = v.at("Data").at("myTimer");
          runs_.push_back({instance, t.at("IsPastDue").as_bool(),
                           std::string(t.at("ScheduleStatus").at("Last").as_string()),
                           std::string(t.at("ScheduleStatus").at("Next").as_string()),
                           clock_.WallNow()});
          done(std::string("{}"));
        });
    EXPECT_TRUE(listener.ok()) << listener.status().ToString();
    return *listener;
  }

  SimulatedClock clock_;
  FakeLockStore locks_;
  FunctionConfig fn_;
  std::vector<Run> runs_;
};

TEST_F(TimerListenerTest, FiresAtEachOccurrence) {
  auto t = Make("i-1", "0 */5 * * * *");  // every 5 minutes
  t->Start();
  clock_.Advance(1min + 40s);  // 22:15:00
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_EQ(FormatIso8601(runs_[0].at), "2023-11-14T22:15:00.000Z");
  EXPECT_FALSE(runs_[0].past_due);
  EXPECT_EQ(runs_[0].next, "2023-11-14T22:20:00.000Z");
  clock_.Advance(10min);
  ASSERT_EQ(runs_.size(), 3u);
  EXPECT_EQ(runs_[2].last, "2023-11-14T22:20:00.000Z");  // the previous occurrence
}

TEST_F(TimerListenerTest, EachOccurrenceRunsOnExactlyOneOfManyInstances) {
  std::vector<std::shared_ptr<TimerListener>> instances;
  for (int i = 0; i < 4; ++i) instances.push_back(Make("i-" + std::to_string(i), "*/10 * * * * *"));
  for (auto& t : instances) t->Start();
  clock_.Advance(10min);
  EXPECT_EQ(runs_.size(), 60u);  // every 10 s for 10 minutes, once each
  for (std::size_t i = 1; i < runs_.size(); ++i) {
    EXPECT_EQ(runs_[i].at - runs_[i - 1].at, 10s);
  }
}

TEST_F(TimerListenerTest, LockHolderDyingHandsTheScheduleToAnother) {
  auto a = Make("i-a", "0 * * * * *");
  auto b = Make("i-b", "0 * * * * *");
  a->Start();
  b->Start();
  clock_.Advance(2min);
  ASSERT_EQ(runs_.size(), 2u);
  a->Stop();  // as if killed: its lock lapses after 60 s
  clock_.Advance(5min);
  ASSERT_GE(runs_.size(), 6u);
  EXPECT_EQ(runs_.back().instance, "i-b");
  // No occurrence ran twice.
  for (std::size_t i = 1; i < runs_.size(); ++i) EXPECT_GT(runs_[i].at, runs_[i - 1].at);
}

TEST_F(TimerListenerTest, MissedOccurrenceRunsOnceAsPastDueAfterRestart) {
  auto t = Make("i-1", "0 0 * * * *");  // hourly
  t->Start();
  clock_.Advance(50min);  // 23:00 ran
  ASSERT_EQ(runs_.size(), 1u);
  t->Stop();
  t.reset();
  clock_.Advance(3h);  // 00:00, 01:00, 02:00 missed while nothing ran
  auto again = Make("i-2", "0 0 * * * *");
  again->Start();
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_TRUE(runs_[1].past_due);
  EXPECT_EQ(runs_[1].instance, "i-2");
  clock_.Advance(1h);
  ASSERT_EQ(runs_.size(), 3u);
  EXPECT_FALSE(runs_[2].past_due);
}

TEST_F(TimerListenerTest, AfterAKilledHolderTheCatchUpWaitsForItsLeaseToLapse) {
  auto t = Make("i-1", "0 0 * * * *");  // hourly
  t->Start();
  clock_.Advance(50min);  // 23:00 ran; i-1 holds the lock until 23:00:15
  ASSERT_EQ(runs_.size(), 1u);
  // Killed: no Stop(), so the lock is not released; pretend it was just renewed.
  locks_.TryAcquire(t->lock_name(), "i-1", 15s, [](StatusOr<bool>) {});
  auto abandoned = t;  // kept alive but never called again (its timers are cancelled below)
  t->Stop();
  locks_.TryAcquire(t->lock_name(), "i-1", 15s, [](StatusOr<bool>) {});  // Stop released it
  clock_.Advance(3h);
  locks_.TryAcquire(t->lock_name(), "i-1", 15s, [](StatusOr<bool>) {});  // still "held"
  auto again = Make("i-2", "0 0 * * * *");
  again->Start();
  EXPECT_EQ(runs_.size(), 1u);  // the lock is i-1's for 15 s more
  clock_.Advance(20s);
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_TRUE(runs_[1].past_due);
  EXPECT_EQ(runs_[1].instance, "i-2");
}

TEST_F(TimerListenerTest, GracefulStopHandsTheScheduleOverAtOnce) {
  auto a = Make("i-a", "*/2 * * * * *");
  a->Start();
  clock_.Advance(3s);
  ASSERT_EQ(runs_.size(), 1u);
  a->Stop();
  auto b = Make("i-b", "*/2 * * * * *");
  b->Start();
  clock_.Advance(2s);
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_EQ(runs_[1].instance, "i-b");
}

TEST_F(TimerListenerTest, WithoutMonitorMissedOccurrencesAreNotCaughtUp) {
  auto t = Make("i-1", "0 0 * * * *", false, /*use_monitor=*/false);
  t->Start();
  clock_.Advance(50min);
  t->Stop();
  clock_.Advance(3h);
  auto again = Make("i-2", "0 0 * * * *", false, false);
  again->Start();
  EXPECT_EQ(runs_.size(), 1u);
}

TEST_F(TimerListenerTest, RunOnStartupRunsOnceAtStart) {
  auto t = Make("i-1", "0 0 0 * * *", /*run_on_startup=*/true);
  t->Start();
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_FALSE(runs_[0].past_due);
}

TEST_F(TimerListenerTest, TimeSpanSchedulesRunAtTheInterval) {
  auto t = Make("i-1", "00:00:30");
  t->Start();
  clock_.Advance(2min);
  EXPECT_EQ(runs_.size(), 4u);
}

TEST_F(TimerListenerTest, BadScheduleOrZoneIsAnError) {
  TimerListenerOptions o;
  o.spec.function = &fn_;
  o.spec.schedule = "0 0 25 * * *";
  auto noop = [](std::string, std::function<void(StatusOr<std::string>)>) {};
  EXPECT_FALSE(TimerListener::Create(o, locks_, clock_, noop).ok());
  o.spec.schedule = "0 0 * * * *";
  o.time_zone = "Mars/Olympus_Mons";
  auto bad_zone = TimerListener::Create(o, locks_, clock_, noop);
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.status().message().find("WEBSITE_TIME_ZONE"), std::string::npos);
}

}  // namespace
}  // namespace squall
