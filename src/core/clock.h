// The one time interface. Everything that waits, times out or stamps a time takes a Clock&.
// RealClock (real_clock.cpp, the only file allowed to read the system clocks) runs timers on the
// event loop; SimulatedClock runs them from an event queue that tests and the simulator advance.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace squall {

using Duration = std::chrono::nanoseconds;
// Monotonic time: for deadlines, intervals and latency.
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;
// Wall-clock UTC time: for timestamps shown to users and sent to workers (sys.UtcNow).
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

using TimerId = std::uint64_t;
inline constexpr TimerId kNoTimer = 0;

class Clock {
 public:
  virtual ~Clock() = default;

  virtual MonoTime Now() const = 0;
  virtual WallTime WallNow() const = 0;

  // Runs fn once after delay (on the event loop for the real clock). Returns an id for Cancel.
  virtual TimerId Schedule(Duration delay, std::function<void()> fn) = 0;
  // Cancels a pending timer; fn is not called. Cancelling a fired or unknown id is a no-op.
  virtual void Cancel(TimerId id) = 0;
};

// Calls done once `idle()` is true or `deadline` has passed, checking every `every` on the
// clock: how a stop waits for running work without blocking the loop.
void WaitUntilIdle(Clock& clock, std::function<bool()> idle, MonoTime deadline, Duration every,
                   std::function<void()> done);

// "2024-01-02T03:04:05.678Z"
std::string FormatIso8601(WallTime t);
// The inverse: "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC only). nullopt when malformed.
std::optional<WallTime> ParseIso8601(std::string_view text);

}  // namespace squall
