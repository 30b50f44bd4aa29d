// The process's Asio event loop, behind a small interface so most files need no Asio headers.
// Code that does I/O gets the io_context through core/asio_context.h.
#pragma once

#include <functional>
#include <memory>

namespace squall {

class EventLoop {
 public:
  // threads: how many threads will call Run (a hint that lets Asio skip locking when 1).
  explicit EventLoop(int threads = 1);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs handlers on `threads` threads (the caller's thread is one of them) until Stop().
  void Run(int threads);
  void Stop();
  bool stopped() const;
  // Runs fn on the loop, never inline.
  void Post(std::function<void()> fn);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace squall
