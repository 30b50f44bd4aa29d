#include "scale/duration_flag.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>

namespace squall {

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerS = 1'000 * kNsPerMs;
constexpr std::int64_t kNsPerM = 60 * kNsPerS;
constexpr std::int64_t kNsPerH = 60 * kNsPerM;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Bad(std::string_view text, std::string_view flag, std::string_view why) {
  std::string prefix = flag.empty() ? "" : fmt::format("{}: ", flag);
  return InvalidArgument(fmt::format(
      "{}expected a duration such as 500ms, 60s, 5m or 1h, got \"{}\"{}", prefix, text, why));
}

// Milliseconds as "1.5" / "0.25" / "2" (up to three decimals, trailing zeros removed).
std::string DecimalSeconds(std::int64_t ms) {
  std::string s = fmt::format("{}.{:03}", ms / 1000, ms % 1000);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

StatusOr<Duration> ParseDurationFlag(std::string_view text, std::string_view flag) {
  if (text.empty()) return Bad(text, flag, " (empty)");
  if (text == "0") return Duration{0};
  std::string_view s = text;
  std::int64_t total = 0;
  while (!s.empty()) {
    // <digits>[.<digits>]
    std::int64_t whole = 0;
    std::size_t n = 0;
    while (n < s.size() && IsDigit(s[n])) {
      if (whole > (kMax - 9) / 10) return Bad(text, flag, " (too large)");
      whole = whole * 10 + (s[n] - '0');
      ++n;
    }
    std::int64_t frac = 0;
    std::int64_t frac_scale = 1;
    std::size_t frac_digits = 0;
    if (n < s.size() && s[n] == '.') {
      ++n;
      while (n < s.size() && IsDigit(s[n])) {
        if (frac_scale < 1'000'000'000) {  // digits past nanoseconds cannot matter
          frac = frac * 10 + (s[n] - '0');
          frac_scale *= 10;
        }
        ++frac_digits;
        ++n;
      }
      if (frac_digits == 0) return Bad(text, flag, " (digits expected after '.')");
    }
    if (n == 0) return Bad(text, flag, "");
    s.remove_prefix(n);
    // unit
    std::int64_t unit = 0;
    if (s.starts_with("ms")) {
      unit = kNsPerMs;
      s.remove_prefix(2);
    } else if (s.starts_with("s")) {
      unit = kNsPerS;
      s.remove_prefix(1);
    } else if (s.starts_with("m")) {
      unit = kNsPerM;
      s.remove_prefix(1);
    } else if (s.starts_with("h")) {
      unit = kNsPerH;
      s.remove_prefix(1);
    } else {
      return Bad(text, flag, " (a unit ms, s, m or h is required)");
    }
    if (whole > kMax / unit) return Bad(text, flag, " (too large)");
    std::int64_t part = whole * unit;
    // frac / frac_scale of a unit; frac < frac_scale <= 1e9, unit <= 3.6e12: split to avoid
    // overflow.
    part += (unit / frac_scale) * frac + (unit % frac_scale) * frac / frac_scale;
    if (part > kMax - total) return Bad(text, flag, " (too large)");
    total += part;
  }
  return Duration{total};
}

std::string FormatDurationFlag(Duration d) {
  const std::int64_t ns = d.count();
  if (ns < 0) return fmt::format("-{}", FormatDurationFlag(-d));
  const std::int64_t ms = ns / kNsPerMs;
  if (ms == 0) return "0s";
  if (ns % kNsPerH == 0) return fmt::format("{}h", ns / kNsPerH);
  if (ns % kNsPerM == 0 && ns >= 2 * kNsPerM) return fmt::format("{}m", ns / kNsPerM);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  if (ms < 1000) return fmt::format("{}ms", ms);
  return DecimalSeconds(ms) + "s";
}

std::string FormatSeconds(Duration d) {
  const std::int64_t ns = d.count();
  if (ns < 0) return fmt::format("-{}", FormatSeconds(-d));
  // Round up to the millisecond: "next scale-out at +0.001s" rather than "+0s".
  const std::int64_t ms = (ns + kNsPerMs - 1) / kNsPerMs;
  return DecimalSeconds(ms) + "s";
}

}  // namespace squall
