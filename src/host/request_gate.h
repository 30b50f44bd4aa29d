// Azure's HTTP throttle (extensions.http): at most maxConcurrentRequests run at once, the rest
// wait in arrival order; beyond maxOutstandingRequests (running + waiting) requests are
// rejected (429). -1 means unbounded for either. Thread-safe. Dynamic concurrency uses one per
// HTTP function with a moving limit (SetMaxConcurrent).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>

namespace squall {

class RequestGate {
 public:
  enum class Admission { kRunNow, kQueued, kRejected };

  RequestGate(int max_concurrent, int max_outstanding);

  // kRunNow: the caller runs now and must call Leave() when done. kQueued: `start` runs later
  // (from some Leave()), and that run must also end with Leave(). kRejected: answer 429.
  template <typename F>
  Admission Enter(F&& start) {
    if (unbounded_) {
      unbounded_running_.fetch_add(1, std::memory_order_relaxed);
      return Admission::kRunNow;
    }
    return EnterBounded(std::function<void()>(std::forward<F>(start)));
  }
  void Leave();
  // A new concurrency limit (dynamic concurrency moves it). Raising it starts waiting requests
  // at once; lowering it lets running ones finish and starts no more until below it.
  // Only for a gate made bounded (max_outstanding >= 0 or max_concurrent >= 0).
  void SetMaxConcurrent(int max_concurrent);

  int running() const;
  int waiting() const;
  int max_concurrent() const;
  int max_outstanding() const { return max_outstanding_; }

 private:
  Admission EnterBounded(std::function<void()> start);

  int max_concurrent_;  // guarded by mu_ (SetMaxConcurrent)
  const int max_outstanding_;
  const bool unbounded_;  // both -1: nothing to gate, so no lock on the hot path
  std::atomic<int> unbounded_running_{0};
  mutable std::mutex mu_;
  int running_ = 0;
  std::deque<std::function<void()>> waiting_;
};

}  // namespace squall
