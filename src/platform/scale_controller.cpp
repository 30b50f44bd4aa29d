#include "platform/scale_controller.h"

#include "core/log.h"
#include "scale/rollover_policy.h"
#include "scale/scale_groups.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Platform.Scale";

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

ScaleController::ScaleController(Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                                 FrontDoor& front_door, ScaleControllerOptions options)
    : clock_(clock), instances_(instances), probe_(probe), front_door_(front_door),
      options_(std::move(options)), host_version_(options_.host_version) {
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

void ScaleController::PokeLoad() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || load_poke_pending_) return;
    load_poke_pending_ = true;
  }
  // Not inline: the request that crossed the line is forwarded first.
  clock_.Schedule(Duration::zero(), [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); !a || !*a) return;
    std::unique_lock lock(mu_);
    load_poke_pending_ = false;
    if (stopping_) return;
    DecideLocked(lock, /*load_poke=*/true);
  });
}

void ScaleController::Tick() {
  std::unique_lock lock(mu_);
  tick_timer_ = kNoTimer;
  if (stopping_) return;
  load_decided_ = false;
  DecideLocked(lock);
}

void ScaleController::DecideLocked(std::unique_lock<std::mutex>& lock, bool load_poke) {
  (void)lock;
  MonoTime now = clock_.Now();
  CheckDrainsLocked(now);

  AccrueLocked(now);
  Observations obs;
  // The peak since the previous decision, not one sample (front_door.h).
  obs.http_inflight = front_door_.TakePeakInflight();
  if (options_.triggers != nullptr) obs.triggers = options_.triggers->Targets();
  obs.instances = ViewsLocked();
  // A rollover's replacement stands in for the instance it replaces: until that one drains, the
  // scale policy sees one instance, not two (it would drain the surplus: the replacement).
  std::erase_if(obs.instances, [this](const InstanceView& v) {
    auto r = records_.find(v.id);
    if (r == records_.end() || r->second.replaces.empty()) return false;
    auto old = records_.find(r->second.replaces);
    return old != records_.end() && !old->second.drain_started;
  });
  ScaleDecision decision = Decide(options_.plan, options_.app, state_, obs, now);
  state_ = decision.next_state;
  if (decision.warn_ignored_triggers) {
    LogWarn(kCategory, "only the first {} event-driven triggers are watched; ignored: {}",
            kMaxWatchedTriggers, decision.ignored_triggers.size());
  }

  std::vector<std::pair<std::string, int>> to_route;  // promoted and ready: route after unlock
  std::vector<std::string> to_drain;                  // hosts to ask to drain, after unlock
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
            // A load decision's starts wait a moment: the spike that made it is served first
            // by the instances already running (scale_controller.h).
            StartInstanceLocked(
                group.group, action.kind == ScaleActionKind::kStartPrewarmed, action.reason,
                load_poke ? options_.load_start_delay : Duration::zero(), WarmsUp(action));
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
        case ScaleActionKind::kDrain:
          DrainLocked(action.instance_id, now, to_drain);
          break;
      }
    }
  }
  RolloverLocked(now, to_drain);
  CheckDrainsLocked(now);  // an idle instance drained just now can stop at once
  ArmLoadLocked(load_poke);
  if (!stopping_ && tick_timer_ == kNoTimer) {
    tick_timer_ = clock_.Schedule(options_.plan.decision_interval,
                                  [this, alive = std::weak_ptr<bool>(alive_)] {
                                    if (auto a = alive.lock(); a && *a) Tick();
                                  });
  }
  for (auto& [id, port] : to_route) front_door_.AddReady(id, port);
  ScheduleDrains(to_drain);
}

void ScaleController::ScheduleDrains(const std::vector<std::string>& ids) {
  for (auto& id : ids) {
    clock_.Schedule(Duration::zero(), [this, alive = std::weak_ptr<bool>(alive_), id] {
      if (auto a = alive.lock(); a && *a) DrainLoop(id);
    });
  }
}

void ScaleController::DrainLocked(const std::string& id, MonoTime now,
                                  std::vector<std::string>& to_drain) {
  auto it = records_.find(id);
  if (it == records_.end() || it->second.drain_started) return;
  it->second.state = InstanceState::kDraining;
  it->second.drain_started = now;
  front_door_.Remove(it->first);  // no new work; in-flight work finishes
  if (it->second.host_up || it->second.ready_at) {
    to_drain.push_back(it->first);  // its listeners may hold queue messages
  } else {
    it->second.host_outstanding = 0;  // no host yet: nothing can run there
  }
}

void ScaleController::SetHostVersion(const std::string& version) {
  std::vector<std::string> to_drain;
  {
    std::lock_guard lock(mu_);
    if (version == host_version_) return;
    LogInfo(kCategory, "host version for new instances: {} → {}; running instances roll over one "
            "at a time", host_version_.empty() ? "(default)" : host_version_, version);
    host_version_ = version;
    if (stopping_) return;
    RolloverLocked(clock_.Now(), to_drain);
    CheckDrainsLocked(clock_.Now());
  }
  ScheduleDrains(to_drain);
}

std::string ScaleController::host_version() const {
  std::lock_guard lock(mu_);
  return host_version_;
}

void ScaleController::RolloverLocked(MonoTime now, std::vector<std::string>& to_drain) {
  if (stopping_ || host_version_.empty()) return;
  std::vector<RolloverView> views;
  for (const auto& [id, r] : records_) {
    if (r.stop_requested) continue;
    views.push_back({id, r.group, r.host_version, r.state, r.started_at, r.ready_at.has_value(),
                     r.replaces});
  }
  RolloverAction step = NextRolloverStep(host_version_, views);
  if (!step.reason.empty() && step.reason != rollover_reason_) {
    LogInfo(kCategory, "{}", step.reason);
  }
  rollover_reason_ = step.reason;
  if (step.kind == RolloverActionKind::kNone) return;
  int serving = 0;
  for (const auto& v : views) serving += v.group == step.group && v.state != InstanceState::kDraining;
  decisions_.push_back({clock_.WallNow(), step.group, serving, serving, step.reason});
  if (decisions_.size() > options_.decision_history) decisions_.pop_front();
  if (step.kind == RolloverActionKind::kDrain) return DrainLocked(step.instance_id, now, to_drain);
  std::string id = StartInstanceLocked(step.group, /*prewarmed=*/false, step.reason,
                                       Duration::zero());
  if (auto it = records_.find(id); it != records_.end()) it->second.replaces = step.instance_id;
}

void ScaleController::RolloverNow() {
  std::vector<std::string> to_drain;
  {
    std::lock_guard lock(mu_);
    MonoTime now = clock_.Now();
    RolloverLocked(now, to_drain);
    CheckDrainsLocked(now);
  }
  ScheduleDrains(to_drain);
}

void ScaleController::ArmLoadLocked(bool load_poke) {
  // At most one load decision between two ticks: one that changed nothing (a rate limit, the
  // cap) must not run again at the next request, and a premium burst must not promote each
  // refill as soon as it is ready (measured: starting instance after instance within 0.3 s took
  // the burst's p99 from 11 to 37-84 ms on two cores). The tick re-arms.
  if (load_poke) load_decided_ = true;
  if (load_decided_) return front_door_.DisarmLoadHook();
  // Dedicated plans do not scale on load; with nothing serving, the cold-request hook decides.
  int serving = 0;
  for (const auto& [id, r] : records_) {
    if (ServesHttp(r.group) &&
        (r.state == InstanceState::kReady || r.state == InstanceState::kStarting)) {
      ++serving;
    }
  }
  // With a pre-warmed buffer, what is worth deciding at once is a promotion: arm only while a
  // pre-warmed instance is ready. Its refill (and any scale-out) starts take tens of
  // milliseconds anyway; promoting the refill as soon as it is started would cascade.
  bool prewarmed_ready = false;
  for (const auto& [id, r] : records_) {
    if (ServesHttp(r.group) && r.state == InstanceState::kPrewarmed && r.ready_at) {
      prewarmed_ready = true;
    }
  }
  if (options_.plan.prewarmed > 0 && !prewarmed_ready) serving = 0;
  if (stopping_ || options_.plan.kind == PlanKind::kDedicated || serving == 0) {
    return front_door_.DisarmLoadHook();
  }
  front_door_.ArmLoadHook(HttpTargetPerInstance(options_.plan, options_.app) * serving);
}

bool ScaleController::ServesHttp(const std::string& group) const {
  // Flex runs HTTP functions in their own group; on the other plans every instance runs all.
  return group == HttpGroupOf(options_.plan.kind);
}

bool ScaleController::WarmsUp(const ScaleAction& start) const {
  // Azure runs the warmup trigger on instances a scale-out adds (the pre-warmed buffer's too),
  // not on restarts or other starts (a floor, a replacement, a cold start from zero).
  if (!options_.app.warmup || !PlanRunsWarmup(options_.plan.kind)) return false;
  return start.kind == ScaleActionKind::kStartPrewarmed || start.scale_out;
}

std::string ScaleController::StartInstanceLocked(const std::string& group, bool prewarmed,
                                                 const std::string& reason, Duration delay,
                                                 bool warmup) {
  InstanceSpec spec;
  spec.id = "i-" + std::to_string(next_id_++);
  spec.warmup = warmup;
  spec.host_version = host_version_;
  spec.group = group == "app" ? "" : group;
  if (auto it = options_.group_functions.find(group); it != options_.group_functions.end()) {
    spec.functions = it->second;
  }
  spec.limits.memory_bytes = static_cast<std::int64_t>(options_.plan.instance.memory_mb) << 20;
  spec.limits.cpu_cores = options_.plan.instance.cores;
  if (options_.plan.kind == PlanKind::kFlex && ServesHttp(group)) {
    spec.limits.http_concurrency = HttpTargetPerInstance(options_.plan, options_.app);
  }
  InstanceRecord r;
  r.id = spec.id;
  r.group = group;
  r.state = prewarmed ? InstanceState::kPrewarmed : InstanceState::kStarting;
  r.started_at = clock_.Now();
  r.start_pending = true;
  r.host_version = host_version_;
  records_[r.id] = r;
  if (delay <= Duration::zero()) {
    LogInfo(kCategory, "starting {}instance {} ({}): {}", prewarmed ? "pre-warmed " : "", r.id,
            group, reason);
    LaunchLocked(spec);
    return spec.id;
  }
  LogInfo(kCategory, "starting {}instance {} ({}) in {} ms: {}", prewarmed ? "pre-warmed " : "",
          r.id, group, std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
          reason);
  clock_.Schedule(delay, [this, alive = std::weak_ptr<bool>(alive_), spec] {
    if (auto a = alive.lock(); !a || !*a) return;
    std::lock_guard lock(mu_);
    LaunchLocked(spec);
  });
  return spec.id;
}

void ScaleController::LaunchLocked(const InstanceSpec& spec) {
  auto it = records_.find(spec.id);
  if (it == records_.end()) return;
  if (it->second.stop_requested || it->second.drain_started || stopping_) {
    LogInfo(kCategory, "instance {} not started: no longer wanted", spec.id);
    records_.erase(it);
    return;
  }
  auto info = instances_.StartAsync(spec);
  if (!info.ok()) {
    LogError(kCategory, "cannot start instance {}: {}", spec.id, info.status().message());
    records_.erase(it);
    return;
  }
  InstanceRecord& r = it->second;
  r.start_pending = false;
  r.pid = info->pid;
  r.host = info->host;
  r.port = info->port;
  r.started_at = clock_.Now();
  std::string id = r.id;
  clock_.Schedule(Duration::zero(), [this, alive = std::weak_ptr<bool>(alive_), id] {
    if (auto a = alive.lock(); a && *a) ProbeLoop(id, options_.probe_first_interval);
  });
}

// What the readiness probe needs to know of an instance.
InstanceInfo ScaleController::ProbeTarget(const std::string& id, const InstanceRecord& r) {
  InstanceInfo info;
  info.id = id;
  info.group = r.group;
  info.pid = r.pid;
  info.host = r.host;
  info.port = r.port;
  info.started_at = r.started_at;
  return info;
}

void ScaleController::ProbeLoop(const std::string& id, Duration next_wait) {
  InstanceInfo info;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.ready_at || it->second.drain_started) {
      probe_.Forget(id);
      return;
    }
    info = ProbeTarget(id, it->second);
  }
  probe_.CheckReady(info, [this, alive = std::weak_ptr<bool>(alive_), id,
                           next_wait](InstanceProbe::Readiness readiness) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (readiness.ready) {
      probe_.Forget(id);
      return OnReady(id, readiness.worker_startup);
    }
    if (readiness.host_up) OnHostUp(id);
    Duration wait = std::min(next_wait, options_.probe_interval);
    Duration after = std::min(wait + wait / 4, options_.probe_interval);
    clock_.Schedule(wait, [this, alive, id, after] {
      if (auto a2 = alive.lock(); a2 && *a2) ProbeLoop(id, after);
    });
  });
}

void ScaleController::DrainLoop(const std::string& id) {
  InstanceInfo info;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.stop_requested) return;
    info = ProbeTarget(id, it->second);
  }
  probe_.Drain(info, [this, alive = std::weak_ptr<bool>(alive_), id,
                      info](std::optional<InstanceProbe::DrainStatus> n) {
    if (auto a = alive.lock(); !a || !*a) return;
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.stop_requested) return;
    // A host that does not answer runs nothing the platform could wait for.
    it->second.host_outstanding = n ? n->outstanding : 0;
    CheckDrainsLocked(clock_.Now());
    if (it->second.stop_requested) {
      if (final_counters_ && n && n->trigger_executions) {
        final_counters_(info, *n->trigger_executions, n->trigger_execution_time);
      }
      return;
    }
    clock_.Schedule(options_.drain_poll_interval, [this, alive, id] {
      if (auto a2 = alive.lock(); a2 && *a2) DrainLoop(id);
    });
  });
}

void ScaleController::OnHostUp(const std::string& id) {
  int port = 0;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.host_up) return;
    auto& r = it->second;
    r.host_up = true;
    // Only an instance meant to serve: not a pre-warmed one kept aside, not one draining.
    if (r.state != InstanceState::kStarting || r.drain_started || !ServesHttp(r.group)) return;
    port = r.port;
    LogInfo(kCategory, "instance {} host is up after {:.3f}s: it holds cold requests until its "
            "worker is ready", id, Seconds(clock_.Now() - r.started_at));
  }
  front_door_.AddStarting(id, port);  // used only while no instance is ready
}

void ScaleController::InstanceAnswered(const std::string& id, std::function<void()> proceed) {
  InstanceInfo info;
  bool now = false;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.ready_at) {
      now = true;  // already ready (or gone): nothing to wait for
    } else {
      auto [waiting, first] = answered_.try_emplace(id);
      waiting->second.push_back(std::move(proceed));
      if (!first) return;  // the probe under way releases it
      info = ProbeTarget(id, it->second);
    }
  }
  if (now) return proceed();
  probe_.CheckReady(info, [this, alive = std::weak_ptr<bool>(alive_),
                           id](InstanceProbe::Readiness readiness) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (readiness.ready) OnReady(id, readiness.worker_startup);
    ReleaseAnswers(id);
  });
}

void ScaleController::ReleaseAnswers(const std::string& id) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mu_);
    auto it = answered_.find(id);
    if (it == answered_.end()) return;
    waiting = std::move(it->second);
    answered_.erase(it);
  }
  for (auto& proceed : waiting) proceed();
}

void ScaleController::OnReady(const std::string& id, std::optional<Duration> worker_startup) {
  MarkReady(id, worker_startup);
  RolloverNow();  // a rollover's replacement is ready: its old instance can drain now
}

void ScaleController::MarkReady(const std::string& id, std::optional<Duration> worker_startup) {
  int port = 0;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.ready_at) return;
    auto& r = it->second;
    r.ready_at = clock_.Now();
    r.worker_startup = worker_startup;
    LogInfo(kCategory, "instance {} ready in {:.3f}s", id, Seconds(*r.ready_at - r.started_at));
    if (r.state == InstanceState::kPrewarmed && !r.promote_when_ready) {
      ArmLoadLocked(false);  // a promotion is possible now
      return;  // kept warm
    }
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
  probe_.Forget(id);
  ReleaseAnswers(id);  // answers it gave before it went
  // Its queue messages need not wait out their lease (embedded storage releases them now).
  if (options_.triggers != nullptr) options_.triggers->InstanceGone(id);
  if (expected) {
    LogInfo(kCategory, "instance {} {}", id, how);
    return;
  }
  if (how.rfind("failed to start", 0) == 0) {
    // As when Start itself fails: retried at the next tick, not in a tight loop.
    LogError(kCategory, "cannot start instance {}: {}", id, how);
    return;
  }
  LogWarn(kCategory, "instance {} {}; replacing it", id, how);
  Poke();  // the next decision no longer sees it, so it starts a replacement
}

void ScaleController::CheckDrainsLocked(MonoTime now) {
  for (auto& [id, r] : records_) {
    if (!r.drain_started || r.stop_requested) continue;
    // Unknown until the host answers its first drain: counted as busy meanwhile.
    int busy = std::max(front_door_.Inflight(id), r.host_outstanding < 0 ? 1 : r.host_outstanding);
    DrainVerdict verdict = CheckDrain(options_.plan, busy, *r.drain_started, now);
    if (!verdict.stop) continue;
    r.stop_requested = true;
    LogInfo(kCategory, "stopping instance {}: {}", id, verdict.reason);
    if (!r.start_pending) instances_.Stop(id, options_.stop_grace);  // else it never starts
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
    views.push_back({id, r.group, r.state, r.started_at, front_door_.RequestsInflight(id)});
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
