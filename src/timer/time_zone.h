// The time zone a schedule is read in (WEBSITE_TIME_ZONE; UTC by default), from the system's
// tzdata. abseil (cctz) does the zone arithmetic; its headers stay in time_zone.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "timer/civil_time.h"

namespace squall {

class TimeZone {
 public:
  // How a local (civil) time maps to instants.
  struct Resolved {
    enum class Kind {
      kUnique,
      kSkipped,   // in a gap (spring forward): the wall clock never shows it
      kRepeated,  // in an overlap (fall back): the wall clock shows it twice
    };
    Kind kind = Kind::kUnique;
    WallTime pre;         // read with the UTC offset in force before the transition
    WallTime transition;  // the instant the wall clock jumped (== pre when unique)
    WallTime post;        // read with the offset in force after it (== pre when unique)
  };

  // UTC.
  TimeZone();
  static TimeZone Utc() { return TimeZone(); }
  // WEBSITE_TIME_ZONE's value: an IANA id ("America/New_York"), a Windows id ("Eastern Standard
  // Time", what Azure on Windows takes), or empty for UTC. Unknown names are InvalidArgument.
  static StatusOr<TimeZone> Load(std::string_view name);

  // The name as given ("UTC" for the default) and the IANA zone it was read from.
  const std::string& name() const;
  const std::string& iana_name() const;

  // The wall-clock time at t, to the second (fractions are dropped).
  CivilTime ToLocal(WallTime t) const;
  int UtcOffsetSeconds(WallTime t) const;
  Resolved FromLocal(const CivilTime& c) const;
  // "2024-03-10T03:30:00-04:00" (fractional seconds only when there are any).
  std::string FormatIso8601(WallTime t) const;

 private:
  struct Impl;
  explicit TimeZone(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace squall
