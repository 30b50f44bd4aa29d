// The platform's view of an app's event-driven triggers. Queues: reads each queue function's
// length every interval (and at once when the embedded store's database changes) and reports
// Azure's target per function (scale/queue_target.h); on embedded storage it also hands back
// the leases of instances that are gone, so their messages run again at once. Timers: a timer
// function wants one instance, so its schedule has somewhere to run (an app with timers does not
// scale to zero; Azure wakes it for each occurrence instead).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "platform/trigger_source.h"
#include "storage/queue_store.h"

namespace squall {

struct WatchedQueue {
  std::string function;
  std::string queue;
  QueueStore* store = nullptr;
};

struct TriggerMonitorOptions {
  std::vector<WatchedQueue> queues;
  std::vector<std::string> timer_functions;
  int batch_size = 16;
  int new_batch_threshold = 16;
  Duration interval = std::chrono::seconds(1);
};

class TriggerMonitor final : public TriggerSource {
 public:
  TriggerMonitor(Clock& clock, TriggerMonitorOptions options);
  ~TriggerMonitor() override;

  void Start();
  void Stop();
  // Reads every length now (a change was seen in storage); at most once per 50 ms, since every
  // commit of every instance calls it and the periodic read catches up anyway.
  void Refresh();

  std::vector<TriggerTarget> Targets() const override;
  void InstanceGone(const std::string& instance_id) override;
  void SetWakeHook(std::function<void()> hook) override;

  // Lengths by queue as last read (for status and metrics).
  std::map<std::string, std::int64_t> Lengths() const;

 private:
  void ReadAll();
  void OnLength(std::size_t index, StatusOr<std::int64_t> length);

  Clock& clock_;
  TriggerMonitorOptions options_;
  mutable std::mutex mu_;
  std::vector<std::int64_t> lengths_;
  std::vector<bool> reading_;
  std::function<void()> wake_;
  TimerId timer_ = kNoTimer;
  std::optional<MonoTime> last_refresh_;
  bool stopped_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
