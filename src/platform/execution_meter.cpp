#include "platform/execution_meter.h"

#include <algorithm>
#include <set>
#include <vector>

namespace squall {

ExecutionMeter::ExecutionMeter(Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                               Sink sink, Duration interval)
    : clock_(clock), instances_(instances), probe_(probe), sink_(std::move(sink)),
      interval_(interval) {}

ExecutionMeter::~ExecutionMeter() {
  Stop();
  *alive_ = false;
}

void ExecutionMeter::Start() {
  {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
  }
  ScheduleNext();
}

void ExecutionMeter::ScheduleNext() {
  std::lock_guard lock(mu_);
  if (!running_) return;
  std::weak_ptr<bool> alive = alive_;
  timer_ = clock_.Schedule(interval_, [this, alive] {
    if (auto a = alive.lock(); !a || !*a) return;
    PollNow();
    ScheduleNext();
  });
}

void ExecutionMeter::Stop() {
  std::lock_guard lock(mu_);
  running_ = false;
  clock_.Cancel(timer_);
  timer_ = kNoTimer;
}

void ExecutionMeter::PollNow() {
  std::vector<InstanceInfo> live = instances_.List();
  {
    std::lock_guard lock(mu_);
    std::set<std::string> ids;
    for (const auto& i : live) ids.insert(i.id);
    std::erase_if(seen_, [&](const auto& entry) { return ids.count(entry.first) == 0; });
  }
  std::weak_ptr<bool> alive = alive_;
  for (const auto& instance : live) {
    if (instance.port <= 0) continue;  // not started yet
    probe_.CheckReady(instance, [this, alive, instance](InstanceProbe::Readiness status) {
      if (auto a = alive.lock(); !a || !*a) return;
      OnReading(instance, status);
    });
  }
}

void ExecutionMeter::Report(const InstanceInfo& instance, std::int64_t executions,
                            Duration time) {
  InstanceProbe::Readiness status;
  status.trigger_executions = executions;
  status.trigger_execution_time = time;
  OnReading(instance, status);
}

void ExecutionMeter::OnReading(const InstanceInfo& instance,
                               const InstanceProbe::Readiness& status) {
  if (!status.trigger_executions) return;  // did not answer (yet)
  std::int64_t executions = 0;
  Duration time{};
  {
    std::lock_guard lock(mu_);
    Seen& seen = seen_[instance.id];
    // A new process under that id (a pid of 0 is not known yet, as in the scale controller's
    // record of an instance started asynchronously: the same process).
    bool other = seen.pid != 0 && instance.pid != 0 && seen.pid != instance.pid;
    if (other) seen = Seen{instance.pid, 0, Duration::zero()};
    if (seen.pid == 0) seen.pid = instance.pid;
    // Counters only grow: a smaller one is a reading overtaken by a newer one (a poll that
    // answers after the final drain status).
    if (*status.trigger_executions < seen.executions) return;
    executions = *status.trigger_executions - seen.executions;
    time = std::max(Duration::zero(), status.trigger_execution_time - seen.time);
    seen.executions = *status.trigger_executions;
    seen.time = status.trigger_execution_time;
  }
  if (executions > 0) sink_(executions, time);
}

}  // namespace squall
