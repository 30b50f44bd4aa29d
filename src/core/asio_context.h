// For the few files that do I/O: the io_context behind an EventLoop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "core/event_loop.h"

namespace squall {

struct EventLoop::Impl {
  explicit Impl(int threads_) : threads(threads_), io(threads_) {}
  int threads;
  boost::asio::io_context io;
};

inline boost::asio::io_context& AsioContext(EventLoop& loop) { return loop.impl().io; }

// The executor for one connection's chain of operations. On several threads a strand keeps
// them serial; on one thread they already are, and a strand would turn every hand-over
// between connections into a post that wakes the reactor (a syscall per request).
inline boost::asio::any_io_executor ConnectionExecutor(EventLoop::Impl& impl) {
  if (impl.threads <= 1) return impl.io.get_executor();
  return boost::asio::make_strand(impl.io);
}

}  // namespace squall
