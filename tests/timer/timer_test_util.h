// Fixed instants for the timer tests (they never read a clock).
#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "timer/civil_time.h"
#include "timer/time_zone.h"

namespace squall {

inline WallTime Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return WallTime{
      std::chrono::seconds(UtcSecondsFromCivil(CivilTime{year, month, day, hour, minute, second}))};
}

// Readable expectations: "2024-03-10T03:30:00-04:00".
inline std::string In(const TimeZone& zone, WallTime t) { return zone.FormatIso8601(t); }

}  // namespace squall
