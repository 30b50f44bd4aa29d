#include "timer/time_zone.h"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <cstdint>
#include <limits>

#include "timer/windows_zones.h"

namespace squall {

struct TimeZone::Impl {
  absl::TimeZone zone;
  std::string name;
  std::string iana;
};

namespace {

// An IANA id is a relative path under /usr/share/zoneinfo; refuse anything else so a setting
// cannot make us read other files (or "localtime", which follows the machine's TZ).
bool LooksLikeIanaId(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '/' || name.back() == '/') return false;
  if (name == "localtime" || name.find("..") != std::string_view::npos) return false;
  if (name.find("//") != std::string_view::npos) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return false;
  }
  return true;
}

WallTime ToWall(absl::Time t) {
  // WallTime is int64 nanoseconds (years 1677-2262); saturate rather than wrap beyond that.
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;
  const std::int64_t s = absl::ToUnixSeconds(t);
  if (s >= kMaxSeconds) return WallTime::max();
  if (s <= -kMaxSeconds) return WallTime::min();
  return WallTime{std::chrono::seconds(s)};
}

absl::Time ToAbsl(WallTime t) { return absl::FromUnixNanos(t.time_since_epoch().count()); }

}  // namespace

TimeZone::TimeZone() {
  // Shared by every default TimeZone; never destroyed (no exit-time destructor).
  static const auto* utc = new std::shared_ptr<const Impl>(
      std::make_shared<Impl>(Impl{absl::UTCTimeZone(), "UTC", "UTC"}));
  impl_ = *utc;
}

StatusOr<TimeZone> TimeZone::Load(std::string_view name) {
  if (name.empty()) return TimeZone();
  std::string iana(name);
  if (std::optional<std::string_view> mapped = IanaFromWindowsZone(name)) iana = *mapped;
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (!LooksLikeIanaId(iana)) {
    return InvalidArgument("unknown time zone " + quoted +
                           ": use an IANA name such as \"America/New_York\" or a Windows name "
                           "such as \"Eastern Standard Time\"");
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(iana, &zone)) {
    if (iana != name) {
      return InvalidArgument("time zone " + quoted + " is IANA \"" + iana +
                             "\", which is not in this machine's tzdata (/usr/share/zoneinfo)");
    }
    return InvalidArgument("unknown time zone " + quoted +
                           ": not an IANA name in this machine's tzdata (/usr/share/zoneinfo) nor "
                           "a known Windows name such as \"Eastern Standard Time\"");
  }
  return TimeZone(std::make_shared<Impl>(Impl{zone, std::string(name), iana}));
}

const std::string& TimeZone::name() const { return impl_->name; }
const std::string& TimeZone::iana_name() const { return impl_->iana; }

CivilTime TimeZone::ToLocal(WallTime t) const {
  const absl::CivilSecond cs = impl_->zone.At(ToAbsl(t)).cs;
  return CivilTime{
      static_cast<int>(cs.year()), cs.month(), cs.day(), cs.hour(), cs.minute(), cs.second()};
}

int TimeZone::UtcOffsetSeconds(WallTime t) const { return impl_->zone.At(ToAbsl(t)).offset; }

TimeZone::Resolved TimeZone::FromLocal(const CivilTime& c) const {
  const absl::TimeZone::TimeInfo info =
      impl_->zone.At(absl::CivilSecond(c.year, c.month, c.day, c.hour, c.minute, c.second));
  Resolved r;
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
      r.kind = Resolved::Kind::kUnique;
      break;
    case absl::TimeZone::TimeInfo::SKIPPED:
      r.kind = Resolved::Kind::kSkipped;
      break;
    case absl::TimeZone::TimeInfo::REPEATED:
      r.kind = Resolved::Kind::kRepeated;
      break;
  }
  r.pre = ToWall(info.pre);
  r.transition = ToWall(info.trans);
  r.post = ToWall(info.post);
  return r;
}

std::string TimeZone::FormatIso8601(WallTime t) const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*S%Ez", ToAbsl(t), impl_->zone);
}

}  // namespace squall
