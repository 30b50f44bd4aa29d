#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "core/asio_context.h"
#include "core/log.h"

namespace squall {

EventLoop::EventLoop(int threads) : impl_(std::make_unique<Impl>(threads)) {}
EventLoop::~EventLoop() = default;

void EventLoop::Run(int threads) {
  auto guard = boost::asio::make_work_guard(impl_->io);
  auto run = [this] {
    // No exception may escape a handler and kill the loop: log it and keep serving.
    for (;;) {
      try {
        impl_->io.run();
        return;
      } catch (const std::exception& e) {
        LogError("Host", "unhandled exception in event loop handler: {}", e.what());
      }
    }
  };
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back(run);
  run();
  for (auto& t : extra) t.join();
}

void EventLoop::Stop() { impl_->io.stop(); }
bool EventLoop::stopped() const { return impl_->io.stopped(); }
void EventLoop::Post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

}  // namespace squall
