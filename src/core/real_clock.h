// The Clock of a running process: system clocks, timers on the event loop.
#pragma once

#include <memory>

#include "core/clock.h"

namespace squall {

class EventLoop;

// The returned clock must not outlive loop.
std::unique_ptr<Clock> MakeRealClock(EventLoop& loop);

}  // namespace squall
