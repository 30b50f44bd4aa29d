// .NET TimeSpan text as Azure's host.json uses it ("00:05:00", "1.00:00:00", "00:00:01.5"), plus
// Azure's "-1" for "no limit". We accept the subset people write: [-][d.]hh:mm:ss[.fffffff],
// with hours 0-23 and minutes/seconds 0-59, as TimeSpan.Parse checks them.
#include <cctype>
#include <cstdint>
#include <string_view>

#include "config/app_config.h"

namespace squall {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits decimal digits from the front of s.
bool TakeNumber(std::string_view& s, std::size_t max_digits, std::int64_t* out) {
  std::size_t n = 0;
  std::int64_t value = 0;
  while (n < s.size() && IsDigit(s[n])) {
    if (n == max_digits) return false;
    value = value * 10 + (s[n] - '0');
    ++n;
  }
  if (n == 0) return false;
  s.remove_prefix(n);
  *out = value;
  return true;
}

bool TakeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ParseTimeSpan(const std::string& text, std::optional<Duration>* out) {
  std::string_view s = Trim(text);
  if (s == "-1") {
    *out = std::nullopt;
    return true;
  }
  const bool negative = TakeChar(s, '-');

  // The part before the first ':' is "hh" or "d.hh".
  std::int64_t days = 0;
  std::int64_t hours = 0;
  std::string_view head = s.substr(0, s.find(':'));
  if (head.find('.') != std::string_view::npos) {
    // Duration holds int64 nanoseconds (about 106751 days), so days get at most 6 digits.
    if (!TakeNumber(s, 6, &days) || !TakeChar(s, '.')) return false;
  }
  std::int64_t minutes = 0;
  std::int64_t seconds = 0;
  if (!TakeNumber(s, 2, &hours) || !TakeChar(s, ':') || !TakeNumber(s, 2, &minutes) ||
      !TakeChar(s, ':') || !TakeNumber(s, 2, &seconds)) {
    return false;
  }
  if (hours > 23 || minutes > 59 || seconds > 59) return false;

  // Fraction of a second: up to 7 digits, TimeSpan's 100 ns resolution.
  std::int64_t fraction_ns = 0;
  if (TakeChar(s, '.')) {
    std::string_view digits = s;
    std::int64_t fraction = 0;
    if (!TakeNumber(s, 7, &fraction)) return false;
    std::size_t n = digits.size() - s.size();
    fraction_ns = fraction;
    for (std::size_t i = n; i < 9; ++i) fraction_ns *= 10;
  }
  if (!s.empty()) return false;

  constexpr std::int64_t kMaxDays = 106750;  // keeps the total inside int64 nanoseconds
  if (days > kMaxDays) return false;
  Duration total = std::chrono::hours(days * 24 + hours) + std::chrono::minutes(minutes) +
                   std::chrono::seconds(seconds) + std::chrono::nanoseconds(fraction_ns);
  *out = negative ? -total : total;
  return true;
}

}  // namespace squall
