#include "timer/time_span.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace squall {

namespace {

struct Number {
  std::int64_t value = 0;
  std::size_t digits = 0;
};

// Duration counts int64 nanoseconds: about 106751 days.
constexpr std::int64_t kMaxDays = 106'751;

}  // namespace

StatusOr<Duration> ParseScheduleTimeSpan(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  auto bad = [&] {
    return InvalidArgument(quoted +
                           " is neither an NCRONTAB expression ({second} {minute} {hour} {day} "
                           "{month} {day-of-week}) nor a TimeSpan (hh:mm:ss or d.hh:mm:ss)");
  };
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);

  Number nums[5];
  std::string seps;
  std::size_t n = 0;
  std::size_t i = 0;
  while (true) {
    if (n == 5) return bad();
    Number& num = nums[n++];
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (++num.digits > 10) return bad();
      num.value = num.value * 10 + (s[i] - '0');
      ++i;
    }
    if (num.digits == 0) return bad();
    if (i == s.size()) break;
    if (s[i] != ':' && s[i] != '.') return bad();
    seps += s[i++];
  }

  // Which component each number is: days, hours, minutes, seconds, fraction (-1 = absent).
  int d = -1, h = -1, m = -1, sec = -1, f = -1;
  if (seps.empty()) {
    d = 0;
  } else if (seps == ":") {
    h = 0, m = 1;
  } else if (seps == "::") {
    if (nums[0].value <= 23 && nums[1].value <= 59 && nums[2].value <= 59) {
      h = 0, m = 1, sec = 2;
    } else {
      d = 0, h = 1, m = 2;  // TimeSpan.Parse's fallback: "24:00:00" is 24 days
    }
  } else if (seps == ".:") {
    d = 0, h = 1, m = 2;
  } else if (seps == "::.") {
    h = 0, m = 1, sec = 2, f = 3;
  } else if (seps == ".::" || seps == ":::") {
    d = 0, h = 1, m = 2, sec = 3;
  } else if (seps == ".::." || seps == ":::.") {
    d = 0, h = 1, m = 2, sec = 3, f = 4;
  } else {
    return bad();
  }

  auto value = [&](int idx) { return idx < 0 ? 0 : nums[idx].value; };
  if (value(h) > 23 || value(m) > 59 || value(sec) > 59) {
    return InvalidArgument(quoted +
                           " is not a valid TimeSpan: hours must be 0-23 and minutes and "
                           "seconds 0-59");
  }
  if (value(d) > kMaxDays) return InvalidArgument(quoted + " is too long an interval");
  std::int64_t fraction_ns = 0;
  if (f >= 0) {
    if (nums[f].digits > 7) return bad();  // TimeSpan's resolution is 100 ns
    fraction_ns = nums[f].value;
    for (std::size_t k = nums[f].digits; k < 9; ++k) fraction_ns *= 10;
  }
  const std::int64_t total_seconds = ((value(d) * 24 + value(h)) * 60 + value(m)) * 60 + value(sec);
  const Duration total =
      std::chrono::seconds(total_seconds) + std::chrono::nanoseconds(fraction_ns);
  if (negative || total <= Duration::zero()) {
    return InvalidArgument(quoted + ": a TimeSpan schedule must be a positive interval");
  }
  return total;
}

std::string FormatTimeSpan(Duration d) {
  const std::int64_t ticks = d.count() / 100;  // .NET ticks
  const std::int64_t total_seconds = ticks / 10'000'000;
  const std::int64_t frac = ticks % 10'000'000;
  const std::int64_t days = total_seconds / 86400;
  char buf[64];
  int len = 0;
  if (days != 0) len = std::snprintf(buf, sizeof buf, "%lld.", static_cast<long long>(days));
  len += std::snprintf(buf + len, sizeof buf - len, "%02lld:%02lld:%02lld",
                       static_cast<long long>(total_seconds % 86400 / 3600),
                       static_cast<long long>(total_seconds % 3600 / 60),
                       static_cast<long long>(total_seconds % 60));
  if (frac != 0)
    std::snprintf(buf + len, sizeof buf - len, ".%07lld", static_cast<long long>(frac));
  return buf;
}

}  // namespace squall
