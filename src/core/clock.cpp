#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/clock.h"

namespace squall {

void WaitUntilIdle(Clock& clock, std::function<bool()> idle, MonoTime deadline, Duration every,
                   std::function<void()> done) {
  if (idle() || clock.Now() >= deadline) return done();
  clock.Schedule(every, [&clock, idle = std::move(idle), deadline, every,
                         done = std::move(done)]() mutable {
    WaitUntilIdle(clock, std::move(idle), deadline, every, std::move(done));
  });
}

std::string FormatIso8601(WallTime t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(secs));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms);
}

std::optional<WallTime> ParseIso8601(std::string_view text) {
  auto digits = [&](std::size_t pos, std::size_t n, int* out) {
    if (pos + n > text.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!digits(0, 4, &y) || text.size() < 20 || text[4] != '-' || !digits(5, 2, &mo) ||
      text[7] != '-' || !digits(8, 2, &d) || (text[10] != 'T' && text[10] != 't') ||
      !digits(11, 2, &h) || text[13] != ':' || !digits(14, 2, &mi) || text[16] != ':' ||
      !digits(17, 2, &s)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  Duration fraction{};
  if (text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += Duration((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  // WallTime counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. Whole years inside it only.
  if (!ymd.ok() || y < 1678 || y > 2261 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  auto days = std::chrono::sys_days(ymd);
  return WallTime(days.time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(mi) +
                  std::chrono::seconds(s) + fraction);
}

}  // namespace squall
