// For the few files that do I/O: the io_context behind an EventLoop.
#pragma once

#include <boost/asio/io_context.hpp>

#include "core/event_loop.h"

namespace squall {

struct EventLoop::Impl {
  boost::asio::io_context io;
};

inline boost::asio::io_context& AsioContext(EventLoop& loop) { return loop.impl().io; }

}  // namespace squall
