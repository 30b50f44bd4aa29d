// Next occurrences in UTC: the calendar side (steps, names, month ends, leap years, day-of-month
// AND day-of-week, schedules that never fire). DST is in dst_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "timer/timer_schedule.h"
#include "timer_test_util.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

const TimeZone kUtc;

TimerSchedule MustParse(const std::string& text) {
  StatusOr<TimerSchedule> s = TimerSchedule::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().message();
  return s.ok() ? *s : *TimerSchedule::Parse("0 0 0 1 1 *");
}

std::string Next(const std::string& schedule, WallTime after) {
  std::optional<WallTime> t = MustParse(schedule).Next(after, kUtc);
  return t ? In(kUtc, *t) : "never";
}

std::vector<std::string> NextN(const std::string& schedule, WallTime after, std::size_t n,
                               const TimeZone& zone = kUtc) {
  std::vector<std::string> out;
  for (WallTime t : MustParse(schedule).NextN(after, n, zone)) out.push_back(In(zone, t));
  return out;
}

TEST(NextOccurrenceTest, EveryFiveMinutes) {
  EXPECT_EQ(Next("0 */5 * * * *", Utc(2024, 5, 1, 18, 55, 0) - 1s), "2024-05-01T18:55:00+00:00");
  EXPECT_THAT(NextN("0 */5 * * * *", Utc(2024, 5, 1, 18, 56, 0), 3),
              ElementsAre("2024-05-01T19:00:00+00:00", "2024-05-01T19:05:00+00:00",
                          "2024-05-01T19:10:00+00:00"));
}

TEST(NextOccurrenceTest, StrictlyAfter) {
  // An occurrence exactly at `after` is not the next one...
  EXPECT_EQ(Next("0 */5 * * * *", Utc(2024, 5, 1, 19, 5, 0)), "2024-05-01T19:10:00+00:00");
  // ...but one a fraction of a second later is.
  EXPECT_EQ(Next("0 */5 * * * *", Utc(2024, 5, 1, 19, 4, 59) + 500ms), "2024-05-01T19:05:00+00:00");
  EXPECT_EQ(Next("* * * * * *", Utc(2024, 5, 1, 19, 4, 59) + 999ms), "2024-05-01T19:05:00+00:00");
  EXPECT_EQ(Next("* * * * * *", Utc(2024, 5, 1, 19, 4, 59)), "2024-05-01T19:05:00+00:00");
}

TEST(NextOccurrenceTest, FiveFieldsFireAtSecondZero) {
  EXPECT_THAT(NextN("*/15 * * * *", Utc(2024, 5, 1, 10, 7, 30), 3),
              ElementsAre("2024-05-01T10:15:00+00:00", "2024-05-01T10:30:00+00:00",
                          "2024-05-01T10:45:00+00:00"));
}

TEST(NextOccurrenceTest, SecondsField) {
  EXPECT_THAT(NextN("5-7 * * * * *", Utc(2024, 5, 1, 10, 0, 6), 4),
              ElementsAre("2024-05-01T10:00:07+00:00", "2024-05-01T10:01:05+00:00",
                          "2024-05-01T10:01:06+00:00", "2024-05-01T10:01:07+00:00"));
}

TEST(NextOccurrenceTest, HoursRangeAndSteps) {
  EXPECT_THAT(NextN("0 0 9-17/4 * * *", Utc(2024, 5, 1, 12, 0, 0), 4),
              ElementsAre("2024-05-01T13:00:00+00:00", "2024-05-01T17:00:00+00:00",
                          "2024-05-02T09:00:00+00:00", "2024-05-02T13:00:00+00:00"));
}

TEST(NextOccurrenceTest, WeekdaysByName) {
  // 2024-01-05 is a Friday.
  EXPECT_THAT(NextN("0 30 9 * * Mon-Fri", Utc(2024, 1, 5, 10, 0, 0), 2),
              ElementsAre("2024-01-08T09:30:00+00:00", "2024-01-09T09:30:00+00:00"));
  EXPECT_THAT(NextN("0 30 9 * * 1-5", Utc(2024, 1, 5, 10, 0, 0), 1),
              ElementsAre("2024-01-08T09:30:00+00:00"));
}

TEST(NextOccurrenceTest, MondaysInJanuary) {
  EXPECT_THAT(NextN("0 30 9 * Jan Mon", Utc(2024, 1, 29, 10, 0, 0), 2),
              ElementsAre("2025-01-06T09:30:00+00:00", "2025-01-13T09:30:00+00:00"));
}

TEST(NextOccurrenceTest, MonthEndsSkipMonthsWithoutTheDay) {
  EXPECT_THAT(NextN("0 0 0 31 * *", Utc(2024, 1, 31, 0, 0, 0), 4),
              ElementsAre("2024-03-31T00:00:00+00:00", "2024-05-31T00:00:00+00:00",
                          "2024-07-31T00:00:00+00:00", "2024-08-31T00:00:00+00:00"));
  EXPECT_THAT(NextN("0 0 0 30 * *", Utc(2024, 1, 31, 0, 0, 0), 2),
              ElementsAre("2024-03-30T00:00:00+00:00", "2024-04-30T00:00:00+00:00"));
}

TEST(NextOccurrenceTest, LeapDays) {
  EXPECT_THAT(NextN("0 0 12 29 Feb *", Utc(2024, 3, 1), 3),
              ElementsAre("2028-02-29T12:00:00+00:00", "2032-02-29T12:00:00+00:00",
                          "2036-02-29T12:00:00+00:00"));
  // 2100 is not a leap year.
  EXPECT_EQ(Next("0 0 12 29 2 *", Utc(2096, 3, 1)), "2104-02-29T12:00:00+00:00");
  // Leap day on a Monday: 28 years apart here.
  EXPECT_THAT(NextN("0 0 0 29 2 Mon", Utc(2024, 3, 1), 2),
              ElementsAre("2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00"));
}

TEST(NextOccurrenceTest, DayOfMonthAndDayOfWeekMustBothMatch) {
  // NCrontab ANDs them: Friday the 13th, not "every 13th and every Friday" as Vixie cron would.
  EXPECT_THAT(NextN("0 0 0 13 * Fri", Utc(2024, 1, 1), 3),
              ElementsAre("2024-09-13T00:00:00+00:00", "2024-12-13T00:00:00+00:00",
                          "2025-06-13T00:00:00+00:00"));
}

TEST(NextOccurrenceTest, YearRollover) {
  EXPECT_EQ(Next("0 0 0 1 1 *", Utc(2024, 12, 31, 23, 59, 59)), "2025-01-01T00:00:00+00:00");
  EXPECT_EQ(Next("59 59 23 31 12 *", Utc(2024, 12, 31, 23, 59, 59)), "2025-12-31T23:59:59+00:00");
}

TEST(NextOccurrenceTest, ImpossibleDatesNeverFireAndTheSearchEnds) {
  EXPECT_EQ(Next("0 0 0 30 2 *", Utc(2024, 1, 1)), "never");
  EXPECT_EQ(Next("0 0 0 31 Apr,Jun,Sep,Nov *", Utc(2024, 1, 1)), "never");
  EXPECT_TRUE(MustParse("0 0 0 30 Feb *").NextN(Utc(2024, 1, 1), 5, kUtc).empty());
}

TEST(NextOccurrenceTest, NothingPastWallTimesRange) {
  // WallTime (int64 nanoseconds) ends in 2262; the search stops at the end of 2261.
  EXPECT_EQ(Next("0 0 0 1 1 *", Utc(2261, 6, 1)), "never");
  EXPECT_EQ(Next("0 0 0 1 12 *", Utc(2261, 6, 1)), "2261-12-01T00:00:00+00:00");
}

TEST(NextOccurrenceTest, BeforeTheEpoch) {
  EXPECT_EQ(Next("0 0 0 1 1 *", Utc(1969, 12, 31, 12, 0, 0)), "1970-01-01T00:00:00+00:00");
}

TEST(NextOccurrenceTest, NextNIsStrictlyIncreasingAndMatches) {
  const TimerSchedule s = MustParse("*/20 */7 1-23/3 1,15,28-31 * Sun,Wed-Fri");
  const std::vector<WallTime> times = s.NextN(Utc(2023, 12, 30), 500, kUtc);
  ASSERT_EQ(times.size(), 500u);
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(times[i - 1], times[i]);
    }
    EXPECT_TRUE(s.cron().Matches(kUtc.ToLocal(times[i]))) << In(kUtc, times[i]);
  }
}

}  // namespace
}  // namespace squall
