#include "platform/trigger_monitor.h"

#include <set>

#include "core/log.h"
#include "scale/queue_target.h"

namespace squall {

TriggerMonitor::TriggerMonitor(Clock& clock, TriggerMonitorOptions options)
    : clock_(clock),
      options_(std::move(options)),
      lengths_(options_.queues.size(), 0),
      reading_(options_.queues.size(), false) {}

TriggerMonitor::~TriggerMonitor() {
  *alive_ = false;
  Stop();
}

void TriggerMonitor::Start() {
  {
    std::lock_guard lock(mu_);
    if (!stopped_) return;
    stopped_ = false;
  }
  ReadAll();
}

void TriggerMonitor::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  clock_.Cancel(timer_);
  timer_ = kNoTimer;
}

void TriggerMonitor::Refresh() {
  {
    std::lock_guard lock(mu_);
    MonoTime now = clock_.Now();
    if (last_refresh_ && now - *last_refresh_ < std::chrono::milliseconds(50)) return;
    last_refresh_ = now;
  }
  ReadAll();
}

void TriggerMonitor::ReadAll() {
  std::vector<std::size_t> to_read;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    clock_.Cancel(timer_);
    std::weak_ptr<bool> alive = alive_;
    timer_ = clock_.Schedule(options_.interval, [this, alive] {
      if (auto a = alive.lock(); a && *a) ReadAll();
    });
    for (std::size_t i = 0; i < options_.queues.size(); ++i) {
      if (reading_[i]) continue;  // one read per queue at a time
      reading_[i] = true;
      to_read.push_back(i);
    }
  }
  for (std::size_t i : to_read) {
    std::weak_ptr<bool> alive = alive_;
    options_.queues[i].store->Length(options_.queues[i].queue,
                                     [this, alive, i](StatusOr<std::int64_t> length) {
                                       if (auto a = alive.lock(); a && *a) OnLength(i, length);
                                     });
  }
}

void TriggerMonitor::OnLength(std::size_t index, StatusOr<std::int64_t> length) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    reading_[index] = false;
    if (!length.ok()) {
      LogWarn("Platform.Scale", "reading the length of queue '{}' failed: {}",
              options_.queues[index].queue, length.status().message());
      return;
    }
    bool rose = lengths_[index] == 0 && *length > 0;
    lengths_[index] = *length;
    if (rose) wake = wake_;
  }
  if (wake) wake();
}

std::vector<TriggerTarget> TriggerMonitor::Targets() const {
  std::lock_guard lock(mu_);
  std::vector<TriggerTarget> out;
  for (std::size_t i = 0; i < options_.queues.size(); ++i) {
    out.push_back(QueueTriggerTarget(options_.queues[i].function, options_.queues[i].queue,
                                     lengths_[i], options_.batch_size,
                                     options_.new_batch_threshold));
  }
  for (const auto& fn : options_.timer_functions) {
    out.push_back({fn, "timerTrigger", 1, "timer function '" + fn + "' needs an instance"});
  }
  return out;
}

void TriggerMonitor::InstanceGone(const std::string& instance_id) {
  std::set<QueueStore*> stores;
  for (const auto& q : options_.queues) stores.insert(q.store);
  for (QueueStore* store : stores) {
    store->ReleaseLeases(instance_id, [instance_id](StatusOr<std::int64_t> released) {
      if (!released.ok()) {
        LogWarn("Platform.Scale", "releasing the queue leases of instance {} failed: {}",
                instance_id, released.status().message());
      } else if (*released > 0) {
        LogInfo("Platform.Scale", "instance {} is gone: {} queue message(s) it held are "
                "visible again", instance_id, *released);
      }
    });
  }
}

void TriggerMonitor::SetWakeHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  wake_ = std::move(hook);
}

std::map<std::string, std::int64_t> TriggerMonitor::Lengths() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::int64_t> out;
  for (std::size_t i = 0; i < options_.queues.size(); ++i) {
    out[options_.queues[i].queue] = lengths_[i];
  }
  return out;
}

}  // namespace squall
