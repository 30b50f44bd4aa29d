// A timer trigger's schedule and its occurrences, as Azure Functions computes them: an NCRONTAB
// expression read in the app's time zone, or a TimeSpan interval.
//
// Daylight saving time (what Azure's CronSchedule does, minus a bug noted in architecture.md):
// - a local time that does not exist (spring forward) fires late by the size of the gap: 02:30
//   on the night New York jumps from 02:00 to 03:00 fires at 03:30 EDT;
// - a local time that happens twice (fall back) fires once, at its first occurrence, unless the
//   schedule is an "interval" one (CronSchedule::is_interval, e.g. every 30 minutes), which keeps
//   firing through both passes of the repeated hour.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "timer/ncrontab.h"
#include "timer/time_zone.h"

namespace squall {

class TimerSchedule {
 public:
  // An NCRONTAB expression (6 fields, or 5 without seconds), else a TimeSpan ("00:05:00"); the
  // schedule text must already have its %Setting% references resolved. Errors are
  // InvalidArgument; *error (when given) says the field and position for cron expressions.
  static StatusOr<TimerSchedule> Parse(std::string_view text, CronError* error = nullptr);

  // The first occurrence strictly after `after`. nullopt when there is none before the end of
  // year 2261 (WallTime's range), e.g. "0 0 0 30 2 *" (February 30th never comes).
  std::optional<WallTime> Next(WallTime after, const TimeZone& zone) const;
  // Up to n occurrences after `after`, each strictly after the one before (fewer only when the
  // schedule runs out as Next does). For `squall` and the trigger's ScheduleStatus.
  std::vector<WallTime> NextN(WallTime after, std::size_t n, const TimeZone& zone) const;

  bool is_cron() const { return !interval_.has_value(); }
  // The cron expression; only when is_cron().
  const CronSchedule& cron() const { return *cron_; }
  // The TimeSpan interval; only when !is_cron().
  Duration interval() const { return *interval_; }
  const std::string& text() const { return text_; }

  // More than one occurrence a minute: Azure then defaults the trigger's useMonitor to false.
  bool fires_more_than_once_a_minute() const;
  // As Azure logs a schedule: "Cron: '0 */5 * * * *'" or "Constant: 00:05:00".
  std::string ToString() const;

 private:
  std::optional<WallTime> NextCron(WallTime after, const TimeZone& zone) const;

  std::string text_;
  std::optional<CronSchedule> cron_;
  std::optional<Duration> interval_;
};

}  // namespace squall
