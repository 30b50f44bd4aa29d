#include "platform/scale_controller.h"

#include "core/log.h"
#include "scale/scale_groups.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Platform.Scale";

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

ScaleController::ScaleController(Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                                 FrontDoor& front_door, ScaleControllerOptions options)
    : clock_(clock), instances_(instances), probe_(probe), front_door_(front_door),
      options_(std::move(options)) {
  instances_.OnExit([this, alive = std::weak_ptr<bool>(alive_)](const std::string& id,
                                                                std::string how) {
    if (auto a = alive.lock(); a && *a) OnExit(id, how);
  });
}

ScaleController::~ScaleController() {
  *alive_ = false;
  std::lock_guard lock(mu_);
  clock_.Cancel(tick_timer_);
}

void ScaleController::Start() {
  std::unique_lock lock(mu_);
  DecideLocked(lock);
}

void ScaleController::Poke() {
  std::unique_lock lock(mu_);
  if (stopping_) return;
  DecideLocked(lock);
}

void ScaleController::Tick() {
  std::unique_lock lock(mu_);
  tick_timer_ = kNoTimer;
  if (stopping_) return;
  DecideLocked(lock);
}

void ScaleController::DecideLocked(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  MonoTime now = clock_.Now();
  CheckDrainsLocked(now);

  AccrueLocked(now);
  Observations obs;
  obs.http_inflight = front_door_.HttpInflight();
  if (options_.triggers != nullptr) obs.triggers = options_.triggers->Targets();
  obs.instances = ViewsLocked();
  ScaleDecision decision = Decide(options_.plan, options_.app, state_, obs, now);
  state_ = decision.next_state;
  if (decision.warn_ignored_triggers) {
    LogWarn(kCategory, "only the first {} event-driven triggers are watched; ignored: {}",
            kMaxWatchedTriggers, decision.ignored_triggers.size());
  }

  std::vector<std::pair<std::string, int>> to_route;  // promoted and ready: route after unlock
  for (const auto& group : decision.groups) {
    if (group.actions.empty()) continue;
    decisions_.push_back({clock_.WallNow(), group.group, group.serving, group.target, group.reason});
    if (decisions_.size() > options_.decision_history) decisions_.pop_front();
    ++decision_counts_[group.group];
    LogInfo(kCategory, "{}: {} → {}: {}", group.group, group.serving, group.target, group.reason);
    for (const auto& action : group.actions) {
      switch (action.kind) {
        case ScaleActionKind::kStartReady:
        case ScaleActionKind::kStartPrewarmed:
          for (int i = 0; i < action.count; ++i) {
            StartInstanceLocked(group.group, action.kind == ScaleActionKind::kStartPrewarmed,
                                action.reason);
          }
          break;
        case ScaleActionKind::kPromote: {
          auto it = records_.find(action.instance_id);
          if (it == records_.end()) break;
          it->second.state = InstanceState::kReady;
          if (it->second.ready_at && ServesHttp(it->second.group)) {
            to_route.emplace_back(it->first, it->second.port);
          } else if (!it->second.ready_at) {
            it->second.promote_when_ready = true;
            it->second.state = InstanceState::kStarting;
          }
          break;
        }
        case ScaleActionKind::kDrain: {
          auto it = records_.find(action.instance_id);
          if (it == records_.end()) break;
          it->second.state = InstanceState::kDraining;
          it->second.drain_started = now;
          front_door_.Remove(it->first);  // no new work; in-flight work finishes
          break;
        }
      }
    }
  }
  CheckDrainsLocked(now);  // an idle instance drained just now can stop at once
  if (!stopping_ && tick_timer_ == kNoTimer) {
    tick_timer_ = clock_.Schedule(options_.plan.decision_interval,
                                  [this, alive = std::weak_ptr<bool>(alive_)] {
                                    if (auto a = alive.lock(); a && *a) Tick();
                                  });
  }
  for (auto& [id, port] : to_route) front_door_.AddReady(id, port);
}

bool ScaleController::ServesHttp(const std::string& group) const {
  // Flex runs HTTP functions in their own group; on the other plans every instance runs all.
  return group == HttpGroupOf(options_.plan.kind);
}

void ScaleController::StartInstanceLocked(const std::string& group, bool prewarmed,
                                          const std::string& reason) {
  InstanceSpec spec;
  spec.id = "i-" + std::to_string(next_id_++);
  spec.group = group == "app" ? "" : group;
  if (auto it = options_.group_functions.find(group); it != options_.group_functions.end()) {
    spec.functions = it->second;
  }
  spec.limits.memory_bytes = static_cast<std::int64_t>(options_.plan.instance.memory_mb) << 20;
  spec.limits.cpu_cores = options_.plan.instance.cores;
  auto info = instances_.Start(spec);
  if (!info.ok()) {
    LogError(kCategory, "cannot start instance {}: {}", spec.id, info.status().message());
    return;
  }
  InstanceRecord r;
  r.id = spec.id;
  r.group = group;
  r.state = prewarmed ? InstanceState::kPrewarmed : InstanceState::kStarting;
  r.pid = info->pid;
  r.host = info->host;
  r.port = info->port;
  r.started_at = clock_.Now();
  records_[r.id] = r;
  LogInfo(kCategory, "starting {}instance {} ({}): {}", prewarmed ? "pre-warmed " : "", r.id,
          group, reason);
  std::string id = r.id;
  clock_.Schedule(Duration::zero(), [this, alive = std::weak_ptr<bool>(alive_), id] {
    if (auto a = alive.lock(); a && *a) ProbeLoop(id);
  });
}

void ScaleController::ProbeLoop(const std::string& id) {
  InstanceInfo info;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.ready_at || it->second.drain_started) return;
    info.id = id;
    info.group = it->second.group;
    info.pid = it->second.pid;
    info.host = it->second.host;
    info.port = it->second.port;
    info.started_at = it->second.started_at;
  }
  probe_.CheckReady(info, [this, alive = std::weak_ptr<bool>(alive_),
                           id](InstanceProbe::Readiness readiness) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (readiness.ready) return OnReady(id, readiness.worker_startup);
    clock_.Schedule(options_.probe_interval, [this, alive, id] {
      if (auto a2 = alive.lock(); a2 && *a2) ProbeLoop(id);
    });
  });
}

void ScaleController::OnReady(const std::string& id, std::optional<Duration> worker_startup) {
  int port = 0;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.ready_at) return;
    auto& r = it->second;
    r.ready_at = clock_.Now();
    r.worker_startup = worker_startup;
    LogInfo(kCategory, "instance {} ready in {:.3f}s", id, Seconds(*r.ready_at - r.started_at));
    if (r.state == InstanceState::kPrewarmed && !r.promote_when_ready) return;  // kept warm
    if (r.state == InstanceState::kDraining) return;
    r.state = InstanceState::kReady;
    if (!ServesHttp(r.group)) return;  // a flex group of non-HTTP functions
    port = r.port;
  }
  front_door_.AddReady(id, port);
}

void ScaleController::OnExit(const std::string& id, const std::string& how) {
  bool expected;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return;
    expected = it->second.stop_requested || stopping_;
    AccrueLocked(clock_.Now());  // its time so far is billed before it is dropped
    records_.erase(it);
  }
  front_door_.Remove(id);
  // Its queue messages need not wait out their lease (embedded storage releases them now).
  if (options_.triggers != nullptr) options_.triggers->InstanceGone(id);
  if (expected) {
    LogInfo(kCategory, "instance {} {}", id, how);
    return;
  }
  LogWarn(kCategory, "instance {} {}; replacing it", id, how);
  Poke();  // the next decision no longer sees it, so it starts a replacement
}

void ScaleController::CheckDrainsLocked(MonoTime now) {
  for (auto& [id, r] : records_) {
    if (!r.drain_started || r.stop_requested) continue;
    DrainVerdict verdict = CheckDrain(options_.plan, front_door_.Inflight(id), *r.drain_started, now);
    if (!verdict.stop) continue;
    r.stop_requested = true;
    LogInfo(kCategory, "stopping instance {}: {}", id, verdict.reason);
    instances_.Stop(id, options_.stop_grace);
  }
}

void ScaleController::StopAll() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    clock_.Cancel(tick_timer_);
    tick_timer_ = kNoTimer;
    for (auto& [id, r] : records_) {
      r.stop_requested = true;
      ids.push_back(id);
    }
  }
  for (const auto& id : ids) {
    front_door_.Remove(id);
    instances_.Stop(id, options_.stop_grace);
  }
}

std::vector<InstanceRecord> ScaleController::Instances() const {
  std::lock_guard lock(mu_);
  std::vector<InstanceRecord> out;
  for (const auto& [id, r] : records_) out.push_back(r);
  return out;
}

std::vector<InstanceView> ScaleController::ViewsLocked() const {
  std::vector<InstanceView> views;
  for (const auto& [id, r] : records_) {
    views.push_back({id, r.group, r.state, r.started_at, front_door_.Inflight(id)});
  }
  return views;
}

void ScaleController::AccrueLocked(MonoTime now) {
  if (accrued_until_) {
    instance_usage_ =
        AccrueInstances(instance_usage_, options_.plan, ViewsLocked(), *accrued_until_, now);
  }
  accrued_until_ = now;
}

UsageTotals ScaleController::InstanceUsage() const {
  std::lock_guard lock(mu_);
  if (!accrued_until_) return instance_usage_;
  return AccrueInstances(instance_usage_, options_.plan, ViewsLocked(), *accrued_until_,
                         clock_.Now());
}

std::map<std::string, std::uint64_t> ScaleController::DecisionCounts() const {
  std::lock_guard lock(mu_);
  return decision_counts_;
}

std::optional<Duration> ScaleController::WorkerStartup(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second.worker_startup;
}

std::vector<DecisionRecord> ScaleController::RecentDecisions() const {
  std::lock_guard lock(mu_);
  return {decisions_.begin(), decisions_.end()};
}

}  // namespace squall
