// The only file in src/ that reads the system clocks (scripts/check-clock.sh enforces it).
#include "core/real_clock.h"

#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <unordered_map>

#include "core/asio_context.h"

namespace squall {
namespace {

class RealClock final : public Clock {
 public:
  explicit RealClock(EventLoop& loop) : io_(AsioContext(loop)) {}

  MonoTime Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
  WallTime WallNow() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }

  TimerId Schedule(Duration delay, std::function<void()> fn) override {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    TimerId id;
    {
      std::lock_guard lock(mu_);
      id = next_id_++;
      timers_.emplace(id, timer);
    }
    timer->async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      bool live;
      {
        std::lock_guard lock(mu_);
        live = timers_.erase(id) > 0;  // false when Cancel() won a race with expiry
      }
      if (!ec && live) fn();
    });
    return id;
  }

  void Cancel(TimerId id) override {
    std::shared_ptr<boost::asio::steady_timer> timer;
    {
      std::lock_guard lock(mu_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return;
      timer = it->second;
      timers_.erase(it);
    }
    timer->cancel();
  }

 private:
  boost::asio::io_context& io_;
  std::mutex mu_;
  TimerId next_id_ = 1;
  std::unordered_map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace

std::unique_ptr<Clock> MakeRealClock(EventLoop& loop) { return std::make_unique<RealClock>(loop); }

}  // namespace squall
