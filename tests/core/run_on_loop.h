// For tests whose EventLoop runs on a thread of their own: run something on it and wait.
#pragma once

#include <functional>
#include <future>

#include "core/event_loop.h"

namespace squall {

// Posts fn to loop and returns once it has run.
inline void RunOnLoop(EventLoop& loop, std::function<void()> fn) {
  std::promise<void> done;
  loop.Post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace squall
