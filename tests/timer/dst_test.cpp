// Occurrences across daylight saving transitions, as Azure's CronSchedule computes them:
// a skipped local time fires late by the gap; a repeated local time fires once (first pass),
// except for "interval" schedules, which fire in both passes.
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

TimeZone Zone(const std::string& name) {
  StatusOr<TimeZone> z = TimeZone::Load(name);
  EXPECT_TRUE(z.ok()) << z.status().message();
  return z.ok() ? *z : TimeZone();
}

std::vector<std::string> NextN(const std::string& schedule, const TimeZone& zone, WallTime after,
                               std::size_t n) {
  StatusOr<TimerSchedule> s = TimerSchedule::Parse(schedule);
  EXPECT_TRUE(s.ok()) << s.status().message();
  std::vector<std::string> out;
  if (!s.ok()) return out;
  for (WallTime t : s->NextN(after, n, zone)) out.push_back(In(zone, t));
  return out;
}

// New York 2024: 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z); 2024-11-03 02:00 EDT -> 01:00 EST
// (06:00Z), so 01:00-01:59 happens twice.
const TimeZone kNewYork = Zone("America/New_York");
// London 2024: 2024-03-31 01:00 GMT -> 02:00 BST (01:00Z); 2024-10-27 02:00 BST -> 01:00 GMT
// (01:00Z).
const TimeZone kLondon = Zone("Europe/London");

TEST(DstTest, LocalTimeOutsideTransitions) {
  EXPECT_THAT(NextN("0 0 10 * * *", kNewYork, Utc(2024, 1, 15), 2),
              ElementsAre("2024-01-15T10:00:00-05:00", "2024-01-16T10:00:00-05:00"));
  EXPECT_THAT(NextN("0 0 10 * * *", kNewYork, Utc(2024, 7, 15), 1),
              ElementsAre("2024-07-15T10:00:00-04:00"));
}

TEST(DstTest, DailyJobFollowsTheLocalClockAcrossTheChange) {
  EXPECT_THAT(NextN("0 0 10 * * *", kNewYork, Utc(2024, 3, 9, 16), 2),
              ElementsAre("2024-03-10T10:00:00-04:00", "2024-03-11T10:00:00-04:00"));
}

TEST(DstTest, SkippedTimeFiresLateByTheGap) {
  // 02:30 does not exist on 2024-03-10: read with EST it is 07:30Z = 03:30 EDT (as Azure does).
  EXPECT_THAT(NextN("0 30 2 * * *", kNewYork, Utc(2024, 3, 9, 12), 3),
              ElementsAre("2024-03-10T03:30:00-04:00", "2024-03-11T02:30:00-04:00",
                          "2024-03-12T02:30:00-04:00"));
  EXPECT_THAT(NextN("0 30 1 * * *", kLondon, Utc(2024, 3, 30, 12), 2),
              ElementsAre("2024-03-31T02:30:00+01:00", "2024-04-01T01:30:00+01:00"));
}

TEST(DstTest, IntervalJumpsOverTheGap) {
  // 01:45 EST, then 02:00 (skipped: 03:00 EDT), then 03:15 EDT.
  EXPECT_THAT(NextN("0 */15 * * * *", kNewYork, Utc(2024, 3, 10, 6, 40), 4),
              ElementsAre("2024-03-10T01:45:00-05:00", "2024-03-10T03:00:00-04:00",
                          "2024-03-10T03:15:00-04:00", "2024-03-10T03:30:00-04:00"));
}

TEST(DstTest, RepeatedTimeFiresOnceForPointInTimeSchedules) {
  // 01:30 happens at 05:30Z (EDT) and 06:30Z (EST) on 2024-11-03: it fires at the first.
  EXPECT_THAT(NextN("0 30 1 * * *", kNewYork, Utc(2024, 11, 2, 12), 3),
              ElementsAre("2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00",
                          "2024-11-05T01:30:00-05:00"));
  EXPECT_THAT(NextN("0 30 1 * * *", kLondon, Utc(2024, 10, 26, 12), 2),
              ElementsAre("2024-10-27T01:30:00+01:00", "2024-10-28T01:30:00+00:00"));
}

TEST(DstTest, StartedInTheSecondPassDoesNotFireTheRepeatedTimeAgain) {
  // At 01:10 EST (06:10Z) the 01:30 of today already fired at 01:30 EDT.
  EXPECT_THAT(NextN("0 30 1 * * *", kNewYork, Utc(2024, 11, 3, 6, 10), 1),
              ElementsAre("2024-11-04T01:30:00-05:00"));
  // Started in the first pass, before 01:30 EDT: it still fires then.
  EXPECT_THAT(NextN("0 30 1 * * *", kNewYork, Utc(2024, 11, 3, 5, 10), 1),
              ElementsAre("2024-11-03T01:30:00-04:00"));
}

TEST(DstTest, RepeatedTimeComputedFromWinterStillFires) {
  // Azure compares UTC offsets (EST now, EST next) and would skip to 2025; squall fires it.
  EXPECT_THAT(NextN("0 30 1 3 11 *", kNewYork, Utc(2023, 12, 1), 2),
              ElementsAre("2024-11-03T01:30:00-04:00", "2025-11-03T01:30:00-05:00"));
}

TEST(DstTest, IntervalSchedulesFireThroughBothPasses) {
  EXPECT_THAT(NextN("0 */30 * * * *", kNewYork, Utc(2024, 11, 3, 4, 45), 6),
              ElementsAre("2024-11-03T01:00:00-04:00", "2024-11-03T01:30:00-04:00",
                          "2024-11-03T01:00:00-05:00", "2024-11-03T01:30:00-05:00",
                          "2024-11-03T02:00:00-05:00", "2024-11-03T02:30:00-05:00"));
  EXPECT_THAT(NextN("0 0 * * * *", kLondon, Utc(2024, 10, 26, 23, 30), 4),
              ElementsAre("2024-10-27T01:00:00+01:00", "2024-10-27T01:00:00+00:00",
                          "2024-10-27T02:00:00+00:00", "2024-10-27T03:00:00+00:00"));
}

TEST(DstTest, IntervalStartedInTheFirstPassGoesBackToTheSecond) {
  // At 01:50 EDT the next quarter hour is 01:00 EST (the wall clock goes back at 02:00 EDT).
  EXPECT_THAT(NextN("0 */15 * * * *", kNewYork, Utc(2024, 11, 3, 5, 50), 2),
              ElementsAre("2024-11-03T01:00:00-05:00", "2024-11-03T01:15:00-05:00"));
  // Every 45 minutes (:00 and :45): 01:45 EDT, then 01:00 EST.
  EXPECT_THAT(NextN("0 */45 * * * *", kNewYork, Utc(2024, 11, 3, 5, 40), 3),
              ElementsAre("2024-11-03T01:45:00-04:00", "2024-11-03T01:00:00-05:00",
                          "2024-11-03T01:45:00-05:00"));
}

TEST(DstTest, AnHourRangeIsAnIntervalSchedule) {
  // Hours 0-2 are adjacent values, so Azure treats the schedule as an interval: 01:00 fires twice.
  EXPECT_THAT(NextN("0 0 0-2 * * *", kNewYork, Utc(2024, 11, 3, 3), 4),
              ElementsAre("2024-11-03T00:00:00-04:00", "2024-11-03T01:00:00-04:00",
                          "2024-11-03T01:00:00-05:00", "2024-11-03T02:00:00-05:00"));
}

TEST(DstTest, PointInTimeHoursFireOnce) {
  EXPECT_THAT(NextN("0 0 1,3 * * *", kNewYork, Utc(2024, 11, 3, 3), 3),
              ElementsAre("2024-11-03T01:00:00-04:00", "2024-11-03T03:00:00-05:00",
                          "2024-11-04T01:00:00-05:00"));
}

TEST(DstTest, OccurrencesStayOrderedAndMatchThroughAYear) {
  for (const TimeZone* zone : {&kNewYork, &kLondon}) {
    for (const char* text : {"0 */20 * * * *", "0 30 1,2 * * *", "0 15 0-3 * * *", "0 0 2 * * 0"}) {
      StatusOr<TimerSchedule> s = TimerSchedule::Parse(text);
      ASSERT_TRUE(s.ok());
      const std::vector<WallTime> times = s->NextN(Utc(2024, 1, 1), 30000, *zone);
      ASSERT_FALSE(times.empty());
      for (std::size_t i = 1; i < times.size(); ++i) {
        ASSERT_LT(times[i - 1], times[i]) << text << " " << In(*zone, times[i]);
        // Every occurrence is at a matching local time, or is a skipped time moved by the gap.
        if (!s->cron().Matches(zone->ToLocal(times[i]))) {
          EXPECT_LT(zone->UtcOffsetSeconds(times[i] - 1h), zone->UtcOffsetSeconds(times[i]))
              << text << " " << In(*zone, times[i]);
        }
      }
    }
  }
}

}  // namespace
}  // namespace squall
