// NCRONTAB expressions as Azure Functions' timer trigger reads them (it uses the NCrontab library):
//   {second} {minute} {hour} {day} {month} {day-of-week}   or the same without {second} (= 0).
// Per field: '*', numbers, ranges a-b, lists a,b,c, steps */n, a-b/n and a/n (= a-max/n); month
// and day names in English, case-insensitive, any prefix ("Jan", "January", "Ju" = June: the
// first name in calendar order that starts with it). NCrontab's quirks are kept so an app behaves
// as it does on Azure: day-of-week is 0-6 (7 is an error), a reversed range 5-2 means 2-5, a step
// of 0 means 1, and a day-of-month and a day-of-week that are both restricted must BOTH match
// (Vixie cron ORs them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "timer/civil_time.h"

namespace squall {

// Where a schedule is wrong, for "APP/Fn/function.json: /bindings/0/schedule: <ToString()>".
struct CronError {
  int field_index = 0;  // 1-based, counted as written (in a 5-field expression 2 = hour); 0 = none
  std::string field_name;    // "second" "minute" "hour" "day" "month" "day-of-week"; "" when none
  std::size_t position = 0;  // 0-based offset in the schedule text (after %Setting% resolution)
  std::string message;

  // field 3 (hour) at position 9: "25" is out of range 0-23
  std::string ToString() const;
};

// The set of values of one field as a bit mask (bit v = value v is allowed).
struct CronField {
  std::uint64_t bits = 0;
  bool Contains(int v) const { return v >= 0 && v < 64 && ((bits >> v) & 1) != 0; }
  // The smallest allowed value >= from, or -1.
  int NextFrom(int from) const;
  int Count() const;
};

class CronSchedule {
 public:
  // Parses a 6- or 5-field expression. On error returns InvalidArgument whose message is
  // error->ToString(), and fills *error when given.
  static StatusOr<CronSchedule> Parse(std::string_view text, CronError* error = nullptr);

  // True when the civil time matches every field.
  bool Matches(const CivilTime& c) const;
  // The first matching civil time >= from, searching no later than the end of last_year.
  std::optional<CivilTime> FirstAtOrAfter(const CivilTime& from, int last_year) const;

  // Azure's "interval" schedule: the second, minute or hour field has two adjacent values (or is
  // '*'), i.e. NCrontab's normal form of one of them contains '*' or '-'. Such schedules keep
  // firing through a repeated (fall-back) hour; the others fire a repeated time only once.
  bool is_interval() const;
  // More than one occurrence in some minute (Azure then defaults useMonitor to false).
  bool fires_more_than_once_a_minute() const { return second_.Count() > 1; }
  bool has_seconds() const { return has_seconds_; }
  const std::string& text() const { return text_; }

  const CronField& second() const { return second_; }
  const CronField& minute() const { return minute_; }
  const CronField& hour() const { return hour_; }
  const CronField& day() const { return day_; }
  const CronField& month() const { return month_; }
  const CronField& day_of_week() const { return day_of_week_; }

 private:
  std::optional<CivilTime> FirstTimeOfDay(int year, int month, int day, int hour, int minute,
                                          int second) const;

  std::string text_;
  bool has_seconds_ = true;
  CronField second_, minute_, hour_, day_, month_, day_of_week_;
};

}  // namespace squall
