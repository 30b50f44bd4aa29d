#include "host/concurrency_manager.h"

#include <algorithm>

#include "core/log.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Host.Concurrency";
}

ConcurrencyManager::ConcurrencyManager(Clock& clock, ConcurrencyManagerOptions options,
                                       std::unique_ptr<HostHealthMonitor> health,
                                       const std::vector<std::pair<std::string, bool>>& functions)
    : clock_(clock), options_(std::move(options)), health_(std::move(health)) {
  last_health_ = UnknownObservation("no health check yet");
  MonoTime now = clock_.Now();
  for (const auto& [name, http] : functions) {
    Function f;
    f.name = name;
    f.http = http;
    f.state = NewFunctionConcurrencyState(now);
    if (dynamic() && http) {
      // Requests over the level wait (bounded); the app-wide maxOutstandingRequests still
      // applies before this gate.
      f.gate = std::make_unique<RequestGate>(f.state.level,
                                             f.state.level + options_.http_queue_limit);
    }
    functions_.emplace(name, std::move(f));
  }
}

ConcurrencyManager::~ConcurrencyManager() {
  Stop();
  *alive_ = false;
}

void ConcurrencyManager::Start(ConcurrencySnapshotStore* store) {
  {
    std::lock_guard lock(mu_);
    if (running_ || !dynamic()) return;
    running_ = true;
    store_ = options_.policy.snapshot_persistence_enabled ? store : nullptr;
  }
  if (health_) health_->Start();
  LogInfo(kCategory, "dynamic concurrency on: every function starts at 1{}; cpuThreshold {:.2f}, "
                     "maximumFunctionConcurrency {}",
          store_ ? " or its snapshot" : "", options_.policy.cpu_threshold,
          options_.policy.maximum_function_concurrency);
  ScheduleCheck();
  if (store_) {
    ReadSnapshot();
    ScheduleSnapshot();
  }
}

void ConcurrencyManager::Stop() {
  {
    std::lock_guard lock(mu_);
    running_ = false;
    clock_.Cancel(check_timer_);
    clock_.Cancel(snapshot_timer_);
    check_timer_ = snapshot_timer_ = kNoTimer;
  }
  if (health_) health_->Stop();
}

ConcurrencyManager::Function* ConcurrencyManager::FindLocked(const std::string& name) {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}
const ConcurrencyManager::Function* ConcurrencyManager::FindLocked(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

RequestGate::Admission ConcurrencyManager::AdmitHttp(const std::string& function,
                                                     std::function<void()> start) {
  if (!dynamic()) return RequestGate::Admission::kRunNow;
  RequestGate* gate = nullptr;
  {
    std::lock_guard lock(mu_);
    Function* f = FindLocked(function);
    if (f == nullptr || !f->gate) return RequestGate::Admission::kRunNow;
    gate = f->gate.get();  // lives as long as the manager
  }
  return gate->Enter(std::move(start));
}

void ConcurrencyManager::LeaveHttp(const std::string& function) {
  if (!dynamic()) return;
  RequestGate* gate = nullptr;
  {
    std::lock_guard lock(mu_);
    Function* f = FindLocked(function);
    if (f == nullptr || !f->gate) return;
    gate = f->gate.get();
  }
  gate->Leave();  // may start the next request: outside mu_
}

void ConcurrencyManager::Started(const std::string& function) {
  std::lock_guard lock(mu_);
  Function* f = FindLocked(function);
  if (f == nullptr) return;
  ++f->in_flight;
  f->max_in_flight = std::max(f->max_in_flight, f->in_flight);
}

void ConcurrencyManager::Finished(const std::string& function, Duration took) {
  std::lock_guard lock(mu_);
  Function* f = FindLocked(function);
  if (f == nullptr) return;
  f->in_flight = std::max(0, f->in_flight - 1);
  ++f->completed.count;
  f->completed.total_time += took;
}

int ConcurrencyManager::AvailableInvocations(const std::string& function, int pending) const {
  if (!dynamic()) return -1;
  std::lock_guard lock(mu_);
  const Function* f = FindLocked(function);
  if (f == nullptr) return -1;
  return squall::AvailableInvocations(f->state.level, pending, last_health_);
}

void ConcurrencyManager::ScheduleCheck() {
  std::lock_guard lock(mu_);
  if (!running_) return;
  std::weak_ptr<bool> alive = alive_;
  check_timer_ = clock_.Schedule(options_.policy.check_interval, [this, alive] {
    if (auto a = alive.lock(); !a || !*a) return;
    CheckNow();
    ScheduleCheck();
  });
}

void ConcurrencyManager::CheckNow() {
  HealthObservation health =
      health_ ? health_->Check() : UnknownObservation("no health monitor");
  std::vector<std::pair<RequestGate*, int>> gates;  // new limits, applied outside mu_
  {
    std::lock_guard lock(mu_);
    if (health.state != last_health_.state) {
      if (health.state == HealthState::kThrottled) {
        LogWarn(kCategory, "host throttled ({}): no new queue batches until healthy; {}",
                health.throttles.ToString(), health.detail);
      } else if (last_health_.state == HealthState::kThrottled) {
        LogInfo(kCategory, "host {} again: {}", HealthStateName(health.state), health.detail);
      }
    }
    last_health_ = health;
    MonoTime now = clock_.Now();
    for (auto& [name, f] : functions_) {
      ConcurrencyDecision d =
          Adjust(options_.policy, f.state, health, f.max_in_flight, now, f.completed);
      f.state = d.next_state;
      f.max_in_flight = f.in_flight;  // the high-water mark restarts from what runs now
      f.completed = {};
      if (d.changed()) {
        LogInfo(kCategory, "function '{}': concurrency {} → {}: {}", name, d.previous_level,
                d.level, d.reason);
        if (f.gate) gates.emplace_back(f.gate.get(), d.level);
      }
    }
  }
  for (auto& [gate, level] : gates) gate->SetMaxConcurrent(level);
}

void ConcurrencyManager::ScheduleSnapshot() {
  std::lock_guard lock(mu_);
  if (!running_ || store_ == nullptr) return;
  std::weak_ptr<bool> alive = alive_;
  snapshot_timer_ = clock_.Schedule(options_.policy.snapshot_interval, [this, alive] {
    if (auto a = alive.lock(); !a || !*a) return;
    WriteSnapshotIfChanged();
    ScheduleSnapshot();
  });
}

void ConcurrencyManager::ReadSnapshot() {
  std::weak_ptr<bool> alive = alive_;
  store_->Read([this, alive](StatusOr<std::optional<std::string>> text) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (!text.ok()) {
      LogWarn(kCategory, "cannot read the concurrency snapshot: {}; starting from 1",
              text.status().message());
      return;
    }
    if (!text->has_value()) return;  // none written yet
    auto snapshot = ParseSnapshot(**text);
    if (!snapshot.ok()) {
      LogWarn(kCategory, "ignoring the stored concurrency snapshot: {}",
              snapshot.status().message());
      return;
    }
    std::vector<std::pair<RequestGate*, int>> gates;
    {
      std::lock_guard lock(mu_);
      std::map<std::string, int> levels;
      for (const auto& [name, f] : functions_) levels[name] = f.state.level;
      AppliedSnapshot applied = ApplySnapshot(levels, *snapshot, options_.cores,
                                              options_.policy.maximum_function_concurrency);
      for (const auto& r : applied.restored) {
        Function* f = FindLocked(r.function);
        if (f == nullptr) continue;  // a function of the snapshot this host does not run
        if (r.to != f->state.level) {
          LogInfo(kCategory, "function '{}': concurrency {} → {} from the snapshot: {}",
                  f->name, f->state.level, r.to, r.reason);
          f->state.level = r.to;
          if (f->gate) gates.emplace_back(f->gate.get(), r.to);
        }
      }
    }
    for (auto& [gate, level] : gates) gate->SetMaxConcurrent(level);
  });
}

void ConcurrencyManager::WriteSnapshotIfChanged() {
  ConcurrencySnapshot snapshot;
  {
    std::lock_guard lock(mu_);
    if (writing_) return;
    std::map<std::string, int> levels;
    for (const auto& [name, f] : functions_) levels[name] = f.state.level;
    snapshot = TakeSnapshot(levels, options_.cores, clock_.WallNow());
    if (last_written_ && SameLevels(*last_written_, snapshot)) return;
    writing_ = true;
  }
  std::weak_ptr<bool> alive = alive_;
  store_->TryLead([this, alive, snapshot](bool lead) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (!lead) {
      std::lock_guard lock(mu_);
      writing_ = false;  // another instance writes; it has levels of its own
      return;
    }
    store_->Write(SerializeSnapshot(snapshot), [this, alive, snapshot](Status written) {
      if (auto a = alive.lock(); !a || !*a) return;
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!written.ok()) {
        LogWarn(kCategory, "cannot write the concurrency snapshot: {}", written.message());
        return;
      }
      last_written_ = snapshot;
    });
  });
}

ConcurrencyManager::View ConcurrencyManager::Describe() const {
  View v;
  v.dynamic = dynamic();
  if (health_) v.working_set = health_->working_set();
  std::lock_guard lock(mu_);
  v.health = last_health_;
  for (const auto& [name, f] : functions_) {
    FunctionView fv;
    fv.name = name;
    fv.http = f.http;
    fv.level = dynamic() ? f.state.level : 0;
    fv.in_flight = f.in_flight;
    fv.waiting = f.gate ? f.gate->waiting() : 0;
    v.functions.push_back(fv);
  }
  return v;
}

}  // namespace squall
