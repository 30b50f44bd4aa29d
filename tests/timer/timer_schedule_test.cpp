#include "timer/timer_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "timer_test_util.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

TEST(TimerScheduleTest, CronExpression) {
  StatusOr<TimerSchedule> s = TimerSchedule::Parse("0 */5 * * * *");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->is_cron());
  EXPECT_EQ(s->text(), "0 */5 * * * *");
  EXPECT_EQ(s->ToString(), "Cron: '0 */5 * * * *'");
  EXPECT_FALSE(s->fires_more_than_once_a_minute());
  EXPECT_TRUE(TimerSchedule::Parse("*/10 * * * * *")->fires_more_than_once_a_minute());
}

TEST(TimerScheduleTest, TimeSpanIsAConstantInterval) {
  StatusOr<TimerSchedule> s = TimerSchedule::Parse("00:05:00");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_FALSE(s->is_cron());
  EXPECT_EQ(s->interval(), 5min);
  EXPECT_EQ(s->ToString(), "Constant: 00:05:00");
  // The interval counts from `after`, in any zone.
  const WallTime after = Utc(2024, 5, 1, 10, 2, 3) + 400ms;
  EXPECT_EQ(s->Next(after, TimeZone()), after + 5min);
  EXPECT_EQ(s->NextN(after, 3, TimeZone()).back(), after + 15min);
  EXPECT_FALSE(s->fires_more_than_once_a_minute());
  EXPECT_TRUE(TimerSchedule::Parse("00:00:30")->fires_more_than_once_a_minute());
  EXPECT_EQ(TimerSchedule::Parse("24:00:00")->ToString(), "Constant: 24.00:00:00");
}

TEST(TimerScheduleTest, TimeSpanNearTheEndOfTime) {
  const TimerSchedule s = *TimerSchedule::Parse("1.00:00:00");
  EXPECT_EQ(s.Next(WallTime::max() - 1h, TimeZone()), std::nullopt);
}

TEST(TimerScheduleTest, CronErrorsCarryFieldAndPosition) {
  CronError e;
  StatusOr<TimerSchedule> s = TimerSchedule::Parse("0 0 25 * * *", &e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "field 3 (hour) at position 4: \"25\" is out of range 0-23");
  EXPECT_EQ(e.field_index, 3);
  EXPECT_EQ(e.position, 4u);
  // What the config loader makes of it:
  EXPECT_EQ("APP/Fn/function.json: /bindings/0/schedule: " + s.status().message(),
            "APP/Fn/function.json: /bindings/0/schedule: field 3 (hour) at position 4: \"25\" is "
            "out of range 0-23");
}

TEST(TimerScheduleTest, OneTokenThatIsNeitherCronNorTimeSpan) {
  CronError e;
  StatusOr<TimerSchedule> s = TimerSchedule::Parse("*/5", &e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "\"*/5\" is neither an NCRONTAB expression ({second} {minute} {hour} {day} {month} "
            "{day-of-week}) nor a TimeSpan (hh:mm:ss or d.hh:mm:ss)");
  EXPECT_EQ(e.field_index, 0);
  EXPECT_EQ(e.message, s.status().message());
}

TEST(TimerScheduleTest, EmptyAndWrongFieldCounts) {
  EXPECT_EQ(TimerSchedule::Parse("").status().message(), "the schedule is empty");
  EXPECT_EQ(TimerSchedule::Parse("0 0 * *").status().message(),
            "expected 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}) or 5 "
            "(without {second}), found 4");
}

TEST(TimerScheduleTest, NextInAWindowsNamedZone) {
  const TimeZone est = *TimeZone::Load("Eastern Standard Time");
  const TimerSchedule s = *TimerSchedule::Parse("0 0 10 * * *");
  // Azure's example: 10:00 Eastern is 15:00Z in winter.
  EXPECT_EQ(s.Next(Utc(2024, 1, 15), est), Utc(2024, 1, 15, 15));
  EXPECT_EQ(s.Next(Utc(2024, 7, 15), est), Utc(2024, 7, 15, 14));
}

}  // namespace
}  // namespace squall
