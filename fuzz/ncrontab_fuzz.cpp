// Fuzz target "ncrontab": the first line of the input is a timer schedule (NCRONTAB or TimeSpan),
// the optional second line a start time "YYYY-MM-DDTHH:MM:SS" (UTC; otherwise one is derived from
// the input). Besides "no crash, no sanitizer report", it checks what callers rely on: errors are
// InvalidArgument and point inside the text, a parsed schedule reparses the same, and in every
// test zone the next occurrences are strictly after the start, strictly increasing and on the
// schedule (or a skipped local time moved forward by a DST gap).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "timer/setting_reference.h"
#include "timer/timer_schedule.h"

namespace {

using squall::CivilTime;
using squall::TimerSchedule;
using squall::TimeZone;
using squall::WallTime;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "ncrontab fuzz: invariant failed: %s\n", what);
  std::abort();
}

const std::vector<TimeZone>& Zones() {
  // UTC, two northern zones with one-hour DST, and Lord Howe Island's half-hour DST.
  static const auto* zones = [] {
    auto* z = new std::vector<TimeZone>{TimeZone()};
    for (const char* name : {"America/New_York", "Europe/London", "Australia/Lord_Howe"}) {
      auto loaded = TimeZone::Load(name);
      if (loaded.ok()) z->push_back(*loaded);
    }
    return z;
  }();
  return *zones;
}

// "YYYY-MM-DDTHH:MM:SS" with years 1900-2200, or false.
bool ParseStart(std::string_view s, WallTime* out) {
  int v[6] = {};
  std::size_t i = 0;
  for (int k = 0; k < 6; ++k) {
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      v[k] = v[k] * 10 + (s[i++] - '0');
      ++digits;
    }
    if (digits == 0) return false;
    if (k < 5 && i < s.size()) ++i;  // the separator, whatever it is
  }
  if (v[0] < 1900 || v[0] > 2200 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
      v[2] > squall::DaysInMonth(v[0], v[1]) || v[3] > 23 || v[4] > 59 || v[5] > 59) {
    return false;
  }
  *out = WallTime{std::chrono::seconds(
      squall::UtcSecondsFromCivil(CivilTime{v[0], v[1], v[2], v[3], v[4], v[5]}))};
  return true;
}

WallTime DerivedStart(std::string_view input) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : input) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  // Somewhere in 2000-2099, to the millisecond.
  const std::int64_t ms = static_cast<std::int64_t>(h % (100ull * 365 * 86400 * 1000));
  return WallTime{std::chrono::seconds(946684800) + std::chrono::milliseconds(ms)};
}

void CheckError(const squall::Status& status, const squall::CronError& error,
                std::string_view text) {
  Check(status.code() == squall::StatusCode::kInvalidArgument, "parse errors are InvalidArgument");
  Check(!status.message().empty(), "errors say something");
  Check(status.message() == error.ToString(), "the status carries the CronError");
  if (error.field_index != 0) {
    Check(error.field_index >= 1 && error.field_index <= 6, "field index is 1-6");
    Check(!error.field_name.empty(), "a field error names the field");
    Check(error.position <= text.size(), "position is inside the text (or just past it)");
    Check(status.message().rfind("field ", 0) == 0, "field errors start with the field");
  }
}

void CheckOccurrences(const TimerSchedule& s, WallTime after, const TimeZone& zone) {
  using std::chrono::hours;
  const std::vector<WallTime> times = s.NextN(after, 8, zone);
  WallTime prev = after;
  for (WallTime t : times) {
    Check(t > prev, "each occurrence is strictly after the one before");
    if (!s.is_cron()) {
      Check(t == prev + s.interval(), "a TimeSpan schedule adds its interval");
    } else if (!s.cron().Matches(zone.ToLocal(t))) {
      // Only a skipped local time, fired late by the gap, may be off the schedule.
      Check(zone.UtcOffsetSeconds(t - hours(1)) < zone.UtcOffsetSeconds(t),
            "an occurrence off the schedule follows a spring-forward gap");
    }
    prev = t;
  }
  if (s.is_cron() && !times.empty()) {
    Check(s.Next(after, zone) == times.front(), "Next is deterministic");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view text = input.substr(0, nl);
  const std::string_view rest =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  static const std::map<std::string, std::string> kSettings = {{"Every5", "0 */5 * * * *"},
                                                               {"Hour", "9"}};
  auto resolved = squall::ResolveSettingReference(text, kSettings);
  if (resolved.ok() && text.find('%') == std::string_view::npos) {
    Check(*resolved == text, "text without '%' resolves to itself");
  }

  // As the config loader does: resolve %Setting% references, then parse.
  const std::string schedule_text = resolved.ok() ? *resolved : std::string(text);
  squall::CronError error;
  auto parsed = TimerSchedule::Parse(schedule_text, &error);
  if (!parsed.ok()) {
    CheckError(parsed.status(), error, schedule_text);
    return 0;
  }
  const TimerSchedule& schedule = *parsed;
  Check(schedule.text() == schedule_text, "text() is the schedule as given");
  auto again = TimerSchedule::Parse(schedule.text());
  Check(again.ok() && again->is_cron() == schedule.is_cron() &&
            again->ToString() == schedule.ToString(),
        "reparse is stable");

  WallTime after;
  if (!ParseStart(rest.substr(0, rest.find('\n')), &after)) after = DerivedStart(input);
  for (const TimeZone& zone : Zones()) CheckOccurrences(schedule, after, zone);
  return 0;
}
