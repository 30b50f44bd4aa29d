// One queue-triggered function's listener on one instance (Azure's QueueListener): polls the
// queue, runs each message through the function, and settles it:
//   success            -> outputs are already written (FunctionHost) -> Delete
//   failure            -> visible again after visibilityTimeout; after maxDequeueCount
//                         attempts -> moved to "<queue>-poison"
//   not base64 (when messageEncoding is base64) -> poison at once, with a log line saying why
// While a message runs, its invisibility (the lease) is renewed at half its length, so a long
// invocation keeps it; a dead instance's lease lapses (or the platform releases it at once on
// embedded storage). Thread-safe: store and host callbacks may come on any loop thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/app_config.h"
#include "core/clock.h"
#include "core/status.h"
#include "storage/queue_store.h"

namespace squall {

struct QueueListenerOptions {
  const FunctionConfig* function = nullptr;
  std::string trigger_name;  // the binding name: the Data key
  std::string queue;
  QueuesExtensionConfig settings;
  int new_batch_threshold = 8;  // resolved (batchSize/2 x cores when unset)
  Duration lease = std::chrono::minutes(10);
  std::string lease_owner;  // this instance's id
};

class QueueListener : public std::enable_shared_from_this<QueueListener> {
 public:
  using InvokeFn = std::function<void(std::string body,
                                      std::function<void(StatusOr<std::string>)> done)>;
  struct Hooks {
    InvokeFn invoke;                   // FunctionHost::InvokeTrigger for this function
    std::function<bool()> accepting;   // false while the host drains or stops
    std::function<double()> random;    // uniform [0, 1), for poll jitter
    // Dynamic concurrency (ConcurrencyManager::AvailableInvocations): how many messages may
    // start now with `pending` taken; -1 or unset = batchSize/newBatchThreshold apply.
    std::function<int(int pending)> available;
  };

  QueueListener(QueueListenerOptions options, QueueStore& store, Clock& clock, Hooks hooks);

  void Start();
  // Stops polling; messages in flight finish (and are settled). Idempotent.
  void Stop();
  // Something was written to storage (may be our queue): poll now if idle-waiting.
  void Wake();

  struct Stats {
    std::int64_t processed = 0;  // succeeded and deleted
    std::int64_t failed = 0;     // invocations that failed (message retried or poisoned)
    std::int64_t poisoned = 0;
    int in_flight = 0;
  };
  Stats stats() const;
  const std::string& queue() const { return options_.queue; }
  const FunctionConfig& function() const { return *options_.function; }

 private:
  struct Running;
  // Messages the next Get may ask for now (0 = none); mu_ held.
  int FetchCountLocked() const;
  bool DynamicLocked() const;
  static constexpr Duration kDynamicRecheck = std::chrono::seconds(1);
  void Poll();
  void SchedulePoll(Duration delay);
  void OnBatch(StatusOr<std::vector<QueueMessage>> batch);
  void Process(QueueMessage message);
  void RenewLease(const std::shared_ptr<Running>& run);
  void Settle(const std::shared_ptr<Running>& run, StatusOr<std::string> result);
  void MoveToPoison(const QueueMessage& message, const std::string& why);
  void Done();  // one message settled: maybe fetch more

  QueueListenerOptions options_;
  QueueStore& store_;
  Clock& clock_;
  Hooks hooks_;
  std::string poison_queue_;

  mutable std::mutex mu_;
  bool stopped_ = true;
  bool polling_ = false;      // a Get is outstanding
  bool wake_pending_ = false; // Wake() came during a Get: poll again after it
  TimerId poll_timer_ = kNoTimer;
  Duration backoff_ = Duration::zero();
  Stats stats_;
};

}  // namespace squall
