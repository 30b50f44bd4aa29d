// Civil (wall-clock) date and time to the second, with no time zone attached: what a schedule's
// fields are matched against. Pure calendar arithmetic (proleptic Gregorian), no clock, no tzdata.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "core/clock.h"

namespace squall {

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int hour = 0;
  int minute = 0;
  int second = 0;

  auto operator<=>(const CivilTime&) const = default;
};

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);
// 0 = Sunday .. 6 = Saturday, as cron and .NET's DayOfWeek number them.
int DayOfWeek(int year, int month, int day);
// Days since 1970-01-01 (negative before).
std::int64_t DaysFromCivil(int year, int month, int day);

// The civil time one second later (carries into minutes, days, months, years).
CivilTime NextSecond(CivilTime c);

// Seconds since the epoch when c is read as UTC, and back (floored to the second).
std::int64_t UtcSecondsFromCivil(const CivilTime& c);
CivilTime CivilFromUtcSeconds(std::int64_t seconds);

// "2024-03-10 02:30:00"
std::string FormatCivil(const CivilTime& c);

}  // namespace squall
