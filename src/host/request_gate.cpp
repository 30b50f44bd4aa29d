#include "host/request_gate.h"

#include <vector>

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
    // After a lowered limit the slot is given up rather than passed on.
    if (!waiting_.empty() && (max_concurrent_ < 0 || running_ <= max_concurrent_)) {
      next = std::move(waiting_.front());  // the slot passes straight to the next in line
      waiting_.pop_front();
    } else {
      --running_;
    }
  }
  if (next) next();
}

void RequestGate::SetMaxConcurrent(int max_concurrent) {
  std::vector<std::function<void()>> start;
  {
    std::lock_guard lock(mu_);
    max_concurrent_ = max_concurrent;
    while (!waiting_.empty() && (max_concurrent_ < 0 || running_ < max_concurrent_)) {
      ++running_;
      start.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
  }
  for (auto& s : start) s();
}

int RequestGate::max_concurrent() const {
  std::lock_guard lock(mu_);
  return max_concurrent_;
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
