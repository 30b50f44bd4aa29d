// A Clock whose time moves only when told to: tests and the simulator drive it.
#pragma once

#include <map>
#include <utility>

#include "core/clock.h"

namespace squall {

class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(WallTime wall_start = WallTime{std::chrono::seconds(1'700'000'000)});

  MonoTime Now() const override { return now_; }
  WallTime WallNow() const override { return wall_start_ + (now_ - MonoTime{}); }
  TimerId Schedule(Duration delay, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Moves time forward by d, firing every timer that falls due, in time order (ties in the
  // order they were scheduled). Timers scheduled by fired callbacks fire too if due.
  void Advance(Duration d);
  // Fires the next pending timer, moving time to it. Returns false when none is pending.
  bool RunNext();
  std::size_t pending() const { return timers_.size(); }

 private:
  MonoTime now_{};
  WallTime wall_start_;
  TimerId next_id_ = 1;
  // Keyed by (due time, id): ids grow, so ties fire in scheduling order.
  std::map<std::pair<MonoTime, TimerId>, std::function<void()>> timers_;
  std::map<TimerId, MonoTime> due_by_id_;
};

}  // namespace squall
