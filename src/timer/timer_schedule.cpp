#include "timer/timer_schedule.h"

#include <algorithm>

#include "timer/time_span.h"

namespace squall {

namespace {

using Kind = TimeZone::Resolved::Kind;

// WallTime (int64 nanoseconds) ends in April 2262.
constexpr int kLastYear = 2261;
// The Gregorian calendar repeats every 400 years (a whole number of weeks), so a date pattern
// that has not matched in 400 years never will: the bound that makes "Feb 30" terminate.
constexpr int kSearchYears = 400;

bool LooksLikeCron(std::string_view text) {
  // A TimeSpan is one token; a cron expression is several.
  std::size_t tokens = 0;
  bool in_token = false;
  for (char c : text) {
    if (c == ' ') {
      in_token = false;
    } else if (!in_token) {
      in_token = true;
      ++tokens;
    }
  }
  return tokens != 1;
}

}  // namespace

StatusOr<TimerSchedule> TimerSchedule::Parse(std::string_view text, CronError* error) {
  CronError local;
  CronError* err = error != nullptr ? error : &local;
  *err = CronError{};
  TimerSchedule s;
  s.text_ = std::string(text);
  // As Azure: cron first, then TimeSpan. Only a one-token text can be a TimeSpan, so a
  // several-token text gets the cron error (with its field and position).
  if (LooksLikeCron(text)) {
    StatusOr<CronSchedule> cron = CronSchedule::Parse(text, err);
    if (!cron.ok()) return cron.status();
    s.cron_ = std::move(cron).value();
    return s;
  }
  StatusOr<Duration> interval = ParseScheduleTimeSpan(text);
  if (!interval.ok()) {
    err->message = interval.status().message();
    return interval.status();
  }
  s.interval_ = *interval;
  return s;
}

std::optional<WallTime> TimerSchedule::Next(WallTime after, const TimeZone& zone) const {
  if (is_cron()) return NextCron(after, zone);
  // A constant schedule counts from `after` (Azure: from when the last invocation finished).
  if (after > WallTime::max() - *interval_) return std::nullopt;
  return after + *interval_;
}

std::vector<WallTime> TimerSchedule::NextN(WallTime after, std::size_t n,
                                           const TimeZone& zone) const {
  std::vector<WallTime> out;
  out.reserve(std::min<std::size_t>(n, 1024));
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<WallTime> next = Next(after, zone);
    if (!next) break;
    out.push_back(*next);
    after = *next;
  }
  return out;
}

std::optional<WallTime> TimerSchedule::NextCron(WallTime after, const TimeZone& zone) const {
  const CronSchedule& cron = *cron_;
  const CivilTime local = zone.ToLocal(after);
  const int last_year = std::min(local.year + kSearchYears, kLastYear);

  // An interval schedule whose `after` is in the first pass of a repeated hour also fires in the
  // second pass, at local times earlier than `after`'s: find the first of those.
  std::optional<WallTime> second_pass;
  if (cron.is_interval()) {
    const TimeZone::Resolved here = zone.FromLocal(local);
    if (here.kind == Kind::kRepeated && after < here.transition) {
      const std::optional<CivilTime> m =
          cron.FirstAtOrAfter(zone.ToLocal(here.transition), last_year);
      if (m) {
        const TimeZone::Resolved r = zone.FromLocal(*m);
        if (r.kind == Kind::kRepeated && r.transition == here.transition) second_pass = r.post;
      }
    }
  }

  CivilTime from = local;
  while (true) {
    const std::optional<CivilTime> m = cron.FirstAtOrAfter(NextSecond(from), last_year);
    if (!m) return second_pass;
    const TimeZone::Resolved r = zone.FromLocal(*m);
    WallTime t = r.pre;  // unique; or skipped, read with the old offset: late by the gap
    if (r.kind == Kind::kRepeated && r.pre <= after) {
      // `after` is already in the second pass. Interval schedules fire there again; the others
      // fired at the first pass and skip every repeated time (Azure's "once").
      if (!cron.is_interval()) {
        from = *m;
        continue;
      }
      t = r.post;
    }
    if (second_pass && *second_pass < t) return second_pass;
    return t;
  }
}

bool TimerSchedule::fires_more_than_once_a_minute() const {
  if (is_cron()) return cron_->fires_more_than_once_a_minute();
  return *interval_ < std::chrono::minutes(1);
}

std::string TimerSchedule::ToString() const {
  if (is_cron()) return "Cron: '" + text_ + "'";
  return "Constant: " + FormatTimeSpan(*interval_);
}

}  // namespace squall
