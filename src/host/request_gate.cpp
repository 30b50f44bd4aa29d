#include "host/request_gate.h"

namespace squall {

RequestGate::RequestGate(int max_concurrent, int max_outstanding)
    : max_concurrent_(max_concurrent), max_outstanding_(max_outstanding),
      unbounded_(max_concurrent < 0 && max_outstanding < 0) {}

RequestGate::Admission RequestGate::EnterBounded(std::function<void()> start) {
  std::lock_guard lock(mu_);
  int outstanding = running_ + static_cast<int>(waiting_.size());
  if (max_outstanding_ >= 0 && outstanding >= max_outstanding_) return Admission::kRejected;
  if (max_concurrent_ < 0 || running_ < max_concurrent_) {
    ++running_;
    return Admission::kRunNow;
  }
  waiting_.push_back(std::move(start));
  return Admission::kQueued;
}

void RequestGate::Leave() {
  if (unbounded_) {
    unbounded_running_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  std::function<void()> next;
  {
    std::lock_guard lock(mu_);
    if (!waiting_.empty()) {
      next = std::move(waiting_.front());  // the slot passes straight to the next in line
      waiting_.pop_front();
    } else {
      --running_;
    }
  }
  if (next) next();
}

int RequestGate::running() const {
  if (unbounded_) return unbounded_running_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  return running_;
}
int RequestGate::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiting_.size());
}

}  // namespace squall
