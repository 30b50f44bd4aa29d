#include "host/host_health_monitor.h"

#include <unistd.h>

#include <algorithm>

#include "core/process_usage.h"

namespace squall {

namespace {
constexpr Duration kSampleInterval = std::chrono::seconds(1);
}

HostHealthMonitor::HostHealthMonitor(Clock& clock, HealthThresholds thresholds, double cores,
                                     UsageReader reader)
    : clock_(clock), thresholds_(thresholds), cores_(cores > 0 ? cores : 1),
      reader_(std::move(reader)) {}

HostHealthMonitor::~HostHealthMonitor() {
  Stop();
  *alive_ = false;
}

ProcessUsageSample HostHealthMonitor::ReadOwnProcessTree() {
  ProcessTreeUsage tree = ReadProcessTreeUsage(getpid());
  ProcessUsageSample s;
  s.ok = !tree.pids.empty();
  s.cpu_seconds = tree.cpu_seconds;
  s.memory_bytes = tree.memory_bytes;
  return s;
}

void HostHealthMonitor::Start() {
  {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
    last_check_ = clock_.Now();
    ticks_ = 0;
  }
  Sample();  // the first reading: CPU needs two
  std::lock_guard lock(mu_);
  std::weak_ptr<bool> alive = alive_;
  tick_timer_ = clock_.Schedule(thresholds_.loop_tick_interval, [this, alive] {
    if (auto a = alive.lock(); a && *a) Tick();
  });
}

void HostHealthMonitor::Stop() {
  std::lock_guard lock(mu_);
  running_ = false;
  clock_.Cancel(tick_timer_);
  clock_.Cancel(sample_timer_);
  tick_timer_ = sample_timer_ = kNoTimer;
}

void HostHealthMonitor::Tick() {
  std::lock_guard lock(mu_);
  if (!running_) return;
  ++ticks_;
  // Scheduled after this one ran: a starved loop runs fewer ticks per window, which is the
  // signal (as Azure's thread-pool starvation probe counts its timer's runs).
  std::weak_ptr<bool> alive = alive_;
  tick_timer_ = clock_.Schedule(thresholds_.loop_tick_interval, [this, alive] {
    if (auto a = alive.lock(); a && *a) Tick();
  });
}

void HostHealthMonitor::Sample() {
  ProcessUsageSample usage = reader_();  // /proc reads, outside the lock
  MonoTime now = clock_.Now();
  std::lock_guard lock(mu_);
  if (!running_) return;
  if (usage.ok) {
    working_set_ = usage.memory_bytes;
    if (last_usage_ && now > last_sample_at_) {
      double wall = std::chrono::duration<double>(now - last_sample_at_).count();
      double used = std::max(0.0, usage.cpu_seconds - last_usage_->cpu_seconds);
      cpu_.push_back(used / (wall * cores_));
      while (static_cast<int>(cpu_.size()) > thresholds_.cpu_sample_count) cpu_.pop_front();
    }
    last_usage_ = usage;
    last_sample_at_ = now;
  }
  std::weak_ptr<bool> alive = alive_;
  sample_timer_ = clock_.Schedule(kSampleInterval, [this, alive] {
    if (auto a = alive.lock(); a && *a) Sample();
  });
}

HealthObservation HostHealthMonitor::Check() {
  HealthSamples samples;
  {
    std::lock_guard lock(mu_);
    MonoTime now = clock_.Now();
    samples.cpu.assign(cpu_.begin(), cpu_.end());
    samples.loop_window = now - last_check_;
    samples.loop_ticks = ticks_;
    samples.working_set_bytes = working_set_;
    ticks_ = 0;
    last_check_ = now;
  }
  return EvaluateHealth(thresholds_, samples);
}

std::optional<std::int64_t> HostHealthMonitor::working_set() const {
  std::lock_guard lock(mu_);
  return working_set_;
}

}  // namespace squall
