#include "core/simulated_clock.h"

namespace squall {

SimulatedClock::SimulatedClock(WallTime wall_start) : wall_start_(wall_start) {}

TimerId SimulatedClock::Schedule(Duration delay, std::function<void()> fn) {
  if (delay < Duration::zero()) delay = Duration::zero();
  TimerId id = next_id_++;
  MonoTime due = now_ + delay;
  timers_.emplace(std::make_pair(due, id), std::move(fn));
  due_by_id_.emplace(id, due);
  return id;
}

void SimulatedClock::Cancel(TimerId id) {
  auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  due_by_id_.erase(it);
}

bool SimulatedClock::RunNext() {
  if (timers_.empty()) return false;
  auto it = timers_.begin();
  now_ = std::max(now_, it->first.first);
  auto fn = std::move(it->second);
  due_by_id_.erase(it->first.second);
  timers_.erase(it);
  fn();
  return true;
}

void SimulatedClock::Advance(Duration d) {
  MonoTime target = now_ + d;
  while (!timers_.empty() && timers_.begin()->first.first <= target) RunNext();
  now_ = target;
}

}  // namespace squall
