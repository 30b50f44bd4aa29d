#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/clock.h"

namespace squall {

std::string FormatIso8601(WallTime t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(secs));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms);
}

}  // namespace squall
