#include "triggers/queue_listener.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/random.h"
#include "triggers/queue_polling.h"
#include "triggers/trigger_payload.h"

namespace squall {

struct QueueListener::Running {
  QueueMessage message;
  std::string category;
  TimerId renew_timer = kNoTimer;
  bool finished = false;  // guarded by QueueListener::mu_
};

QueueListener::QueueListener(QueueListenerOptions options, QueueStore& store, Clock& clock,
                             Hooks hooks)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      hooks_(std::move(hooks)),
      poison_queue_(options_.queue + "-poison") {}

void QueueListener::Start() {
  {
    std::lock_guard lock(mu_);
    if (!stopped_) return;
    stopped_ = false;
  }
  Poll();
}

void QueueListener::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  clock_.Cancel(poll_timer_);
  poll_timer_ = kNoTimer;
}

void QueueListener::Wake() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (polling_) {
      wake_pending_ = true;
      return;
    }
    if (poll_timer_ == kNoTimer) return;  // not idle: busy with a full batch
    clock_.Cancel(poll_timer_);
    poll_timer_ = kNoTimer;
  }
  Poll();
}

QueueListener::Stats QueueListener::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void QueueListener::SchedulePoll(Duration delay) {
  // Called with mu_ held.
  clock_.Cancel(poll_timer_);
  auto self = weak_from_this();
  poll_timer_ = clock_.Schedule(delay, [self] {
    if (auto me = self.lock()) {
      {
        std::lock_guard lock(me->mu_);
        me->poll_timer_ = kNoTimer;
      }
      me->Poll();
    }
  });
}

bool QueueListener::DynamicLocked() const {
  return hooks_.available && hooks_.available(0) >= 0;
}

int QueueListener::FetchCountLocked() const {
  if (hooks_.available) {
    int available = hooks_.available(stats_.in_flight);
    if (available >= 0) return std::min(available, 32);  // 32: Azure's limit per Get
  }
  if (!HasRoomForBatch(stats_.in_flight, options_.new_batch_threshold)) return 0;
  return MessagesToFetch(stats_.in_flight, options_.settings.batch_size,
                         options_.new_batch_threshold);
}

void QueueListener::Poll() {
  int count = 0;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || polling_) return;
    if (!hooks_.accepting()) {
      // Draining: take nothing new; look again later in case the host resumes.
      SchedulePoll(std::chrono::seconds(1));
      return;
    }
    count = FetchCountLocked();
    if (count == 0) {
      // Done() polls once enough messages have settled; with none in flight, a throttled host
      // (dynamic concurrency) is asked again at its next health check.
      if (stats_.in_flight == 0 && DynamicLocked()) SchedulePoll(kDynamicRecheck);
      return;
    }
    polling_ = true;
    wake_pending_ = false;
  }
  auto self = shared_from_this();
  store_.Get(options_.queue, count, options_.lease, options_.lease_owner,
             [self](StatusOr<std::vector<QueueMessage>> batch) { self->OnBatch(std::move(batch)); });
}

void QueueListener::OnBatch(StatusOr<std::vector<QueueMessage>> batch) {
  std::vector<QueueMessage> messages;
  {
    std::lock_guard lock(mu_);
    polling_ = false;
    if (!batch.ok()) {
      LogWarn("Host.Triggers.Queue", "function '{}': polling queue '{}' failed: {}",
              options_.function->name, options_.queue, batch.status().message());
      backoff_ = NextEmptyPollDelay(backoff_, options_.settings.max_polling_interval,
                                    hooks_.random());
      if (!stopped_) SchedulePoll(backoff_);
      return;
    }
    messages = std::move(*batch);
    if (messages.empty()) {
      if (wake_pending_) {
        backoff_ = Duration::zero();
        if (!stopped_) SchedulePoll(Duration::zero());
      } else {
        backoff_ = NextEmptyPollDelay(backoff_, options_.settings.max_polling_interval,
                                      hooks_.random());
        if (!stopped_) SchedulePoll(backoff_);
      }
      return;
    }
    backoff_ = Duration::zero();
    stats_.in_flight += static_cast<int>(messages.size());
  }
  for (auto& m : messages) Process(std::move(m));
  // Fetch more at once when there is still room (Azure polls again right after a full batch).
  bool more = false;
  {
    std::lock_guard lock(mu_);
    more = !stopped_ && FetchCountLocked() > 0;
  }
  if (more) Poll();
}

void QueueListener::Process(QueueMessage message) {
  const std::string& fn = options_.function->name;
  if (message.dequeue_count > options_.settings.max_dequeue_count) {
    // Taken more often than allowed without being settled (e.g. its instances kept dying).
    MoveToPoison(message, fmt::format("it was dequeued {} times (maxDequeueCount {})",
                                      message.dequeue_count,
                                      options_.settings.max_dequeue_count));
    return;
  }
  std::string decoded;
  if (options_.settings.base64_encoding) {
    auto d = Base64Decode(message.text);
    if (!d) {
      MoveToPoison(message, "its text is not valid base64 and host.json "
                            "extensions.queues.messageEncoding is \"base64\" (put messages with "
                            "`squall queue put`, or set messageEncoding to \"none\")");
      return;
    }
    decoded = std::move(*d);
  } else {
    decoded = message.text;
  }
  auto run = std::make_shared<Running>();
  run->message = std::move(message);
  std::string body = BuildQueueInvocation(*options_.function, options_.trigger_name,
                                          run->message, decoded, clock_.WallNow(), FastUuid());
  RenewLease(run);
  auto self = shared_from_this();
  hooks_.invoke(std::move(body), [self, run](StatusOr<std::string> result) {
    self->Settle(run, std::move(result));
  });
  (void)fn;
}

void QueueListener::RenewLease(const std::shared_ptr<Running>& run) {
  std::lock_guard lock(mu_);
  if (run->finished) return;
  auto self = weak_from_this();
  run->renew_timer = clock_.Schedule(options_.lease / 2, [self, run] {
    auto me = self.lock();
    if (!me) return;
    QueueMessage m;
    {
      std::lock_guard inner(me->mu_);
      if (run->finished) return;
      m = run->message;
    }
    me->store_.UpdateVisibility(
        me->options_.queue, m.id, m.pop_receipt, me->options_.lease,
        [me, run](StatusOr<QueueMessage> updated) {
          if (!updated.ok()) {
            LogWarn("Host.Triggers.Queue", "function '{}': renewing the lease of message {} "
                    "failed: {}", me->options_.function->name, run->message.id,
                    updated.status().message());
            return;
          }
          {
            std::lock_guard inner(me->mu_);
            run->message.pop_receipt = updated->pop_receipt;
            run->message.next_visible_time = updated->next_visible_time;
          }
          me->RenewLease(run);
        });
  });
}

void QueueListener::Settle(const std::shared_ptr<Running>& run, StatusOr<std::string> result) {
  QueueMessage m;
  {
    std::lock_guard lock(mu_);
    run->finished = true;
    clock_.Cancel(run->renew_timer);
    m = run->message;
  }
  auto self = shared_from_this();
  if (result.ok()) {
    store_.Delete(options_.queue, m.id, m.pop_receipt, [self, id = m.id](Status deleted) {
      if (!deleted.ok()) {
        // The lease was lost (another instance took the message): it will run again there.
        LogWarn("Host.Triggers.Queue", "function '{}': deleting message {} failed: {}",
                self->options_.function->name, id, deleted.message());
      }
      {
        std::lock_guard lock(self->mu_);
        ++self->stats_.processed;
      }
      self->Done();
    });
    return;
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.failed;
  }
  if (result.status().code() != StatusCode::kUnavailable &&
      m.dequeue_count >= options_.settings.max_dequeue_count) {
    MoveToPoison(m, fmt::format("it failed {} times (maxDequeueCount {}); last error: {}",
                                m.dequeue_count, options_.settings.max_dequeue_count,
                                result.status().message()));
    return;
  }
  // Refused (draining) or failed: visible again after visibilityTimeout (at once when refused).
  Duration retry_after = result.status().code() == StatusCode::kUnavailable
                             ? Duration::zero()
                             : options_.settings.visibility_timeout;
  store_.UpdateVisibility(options_.queue, m.id, m.pop_receipt, retry_after,
                          [self](StatusOr<QueueMessage>) { self->Done(); });
}

void QueueListener::MoveToPoison(const QueueMessage& message, const std::string& why) {
  LogError("Host.Triggers.Queue",
           "function '{}': message {} moved to queue '{}' because {}", options_.function->name,
           message.id, poison_queue_, why);
  auto self = shared_from_this();
  // Put first, then delete: a crash in between leaves a duplicate, never a loss.
  store_.Put(poison_queue_, message.text, Duration::zero(), std::chrono::hours(24 * 7),
             [self, message](StatusOr<QueueMessage> put) {
               if (!put.ok()) {
                 LogError("Host.Triggers.Queue",
                          "function '{}': could not move message {} to '{}': {}; it stays in "
                          "'{}'", self->options_.function->name, message.id,
                          self->poison_queue_, put.status().message(), self->options_.queue);
                 return self->Done();
               }
               self->store_.Delete(self->options_.queue, message.id, message.pop_receipt,
                                   [self](Status) {
                                     {
                                       std::lock_guard lock(self->mu_);
                                       ++self->stats_.poisoned;
                                     }
                                     self->Done();
                                   });
             });
}

void QueueListener::Done() {
  bool poll = false;
  {
    std::lock_guard lock(mu_);
    --stats_.in_flight;
    // Static limits: poll when just crossed into room for a batch. Dynamic: whenever a slot
    // came free, or the last message settled (Poll then looks again each second while the
    // host is throttled).
    poll = !stopped_ && !polling_ &&
           (DynamicLocked() ? FetchCountLocked() > 0 || stats_.in_flight == 0
                            : stats_.in_flight == options_.new_batch_threshold);
    if (poll && poll_timer_ != kNoTimer) {
      clock_.Cancel(poll_timer_);
      poll_timer_ = kNoTimer;
    }
  }
  if (poll) Poll();
}

}  // namespace squall
