// Runs fn (on the loop) on the first SIGINT or SIGTERM; a second one exits at once.
#pragma once

#include <functional>

namespace squall {

class EventLoop;

void OnTerminationSignal(EventLoop& loop, std::function<void(int signal)> fn);

}  // namespace squall
