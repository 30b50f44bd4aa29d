// The live scale controller: every decision interval (and at once when the front door sees a
// request with no instance ready) it observes the app, asks the pure policy (scale/Decide) what
// to do, and does it through the InstanceManager: start instances, route them when ready,
// promote pre-warmed ones, drain and stop. Time comes from the injected Clock only.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "platform/front_door.h"
#include "platform/instance_manager.h"
#include "platform/instance_probe.h"
#include "platform/trigger_source.h"
#include "scale/drain_policy.h"
#include "scale/plan.h"
#include "scale/scale_policy.h"
#include "scale/usage_meter.h"

namespace squall {

struct ScaleControllerOptions {
  PlanConfig plan;
  AppTraits app;
  // Flex: the functions each scale group serves; other plans: empty (every instance runs all).
  std::map<std::string, std::vector<std::string>> group_functions;
  // Readiness probes of a starting instance: the first at once, then after probe_first_interval,
  // each wait a quarter longer than the one before, up to probe_interval. A fast worker's
  // instance is ready 10-30 ms after its start and seen within about a millisecond; a slow one
  // costs a probe per probe_interval.
  Duration probe_first_interval = std::chrono::milliseconds(1);
  Duration probe_interval = std::chrono::milliseconds(20);
  Duration drain_poll_interval = std::chrono::milliseconds(100);
  Duration stop_grace = std::chrono::seconds(10);  // after a drain, SIGTERM → SIGKILL
  // Instances a load decision starts (PokeLoad: a spike filled the serving instances) are
  // started this much later. Starting one (fork, exec, loading the app, starting its worker)
  // takes tens of milliseconds of CPU; on a small machine it would slow the spike's first wave,
  // which the instances already running (and a promoted pre-warmed one) serve meanwhile.
  // Measured on 2 cores (BENCHMARKS.md): 64 requests at once, median 7-12 ms at once, 4 ms with
  // the starts 20 ms later.
  Duration load_start_delay = std::chrono::milliseconds(20);
  std::size_t decision_history = 200;
  // Event-driven triggers' targets (queues); nullptr = HTTP only.
  TriggerSource* triggers = nullptr;
  // The host version new instances run (InstanceSpec::host_version); "" = the backend's default.
  // Changing it (SetHostVersion) rolls the running instances over (scale/rollover_policy.h).
  std::string host_version;
};

struct InstanceRecord {
  std::string id;
  std::string group;
  InstanceState state = InstanceState::kStarting;
  int pid = 0;
  std::string host;
  int port = 0;
  MonoTime started_at{};
  std::optional<MonoTime> ready_at;
  std::optional<MonoTime> drain_started;
  bool stop_requested = false;
  bool promote_when_ready = false;  // a pre-warmed instance promoted before it was ready
  bool host_up = false;             // its host answered a probe (it can hold cold requests)
  std::optional<Duration> worker_startup;  // as the instance reported it
  bool start_pending = false;  // decided, not yet handed to the InstanceManager (no pid, port)
  // Invocations a draining instance's host still runs (queue messages, timers, HTTP), as it
  // last answered; -1 until it has. A scale-in stops an instance only when this is 0 too.
  int host_outstanding = -1;
  std::string host_version;  // what it runs
  std::string replaces;      // a rollover's replacement: the instance it replaces
};

struct DecisionRecord {
  WallTime time{};
  std::string group;
  int from = 0;  // serving instances before
  int to = 0;    // target
  std::string reason;
};

class ScaleController {
 public:
  ScaleController(Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                  FrontDoor& front_door, ScaleControllerOptions options);
  ~ScaleController();

  void Start();  // decides now, then every decision interval
  void Poke();   // decides now (a request is waiting for an instance)
  // Told a draining instance's last execution counters, just before it is stopped (the
  // execution meter's final reading of it).
  using FinalCountersHook =
      std::function<void(const InstanceInfo&, std::int64_t executions, Duration time)>;
  void SetFinalCountersHook(FinalCountersHook hook) { final_counters_ = std::move(hook); }
  // The serving instances hold more requests than their target: decides as soon as the current
  // handler is done (the front door's load hook: at most once between two ticks).
  void PokeLoad();
  // A starting instance answered a request (the front door's started hook): its worker is
  // likely ready, so it is probed now rather than at its next probe; proceed runs (and the
  // answer goes out) once that probe is back, and the instance marked ready if it is.
  void InstanceAnswered(const std::string& id, std::function<void()> proceed);
  // Stops every instance (drain grace does not apply: the platform is going away).
  void StopAll();
  // New instances run this host version from now on; running ones are rolled over to it one at
  // a time, each replaced before it is drained (scale/rollover_policy.h).
  void SetHostVersion(const std::string& version);
  std::string host_version() const;

  std::vector<InstanceRecord> Instances() const;
  std::vector<DecisionRecord> RecentDecisions() const;
  // The worker start-up time an instance reported when it became ready.
  std::optional<Duration> WorkerStartup(const std::string& id) const;
  // Decisions that did something, per scale group, since start (a counter for /metrics).
  std::map<std::string, std::uint64_t> DecisionCounts() const;
  // Core-seconds and GB-seconds of every instance alive so far, as premium and dedicated bill
  // (zero on consumption and flex, which bill executions).
  UsageTotals InstanceUsage() const;
  const PlanConfig& plan() const { return options_.plan; }

 private:
  void Tick();
  void DecideLocked(std::unique_lock<std::mutex>& lock, bool load_poke = false);
  // Arms the front door's load hook at what the serving HTTP instances are meant to hold.
  void ArmLoadLocked(bool load_poke);
  // Returns the new instance's id.
  std::string StartInstanceLocked(const std::string& group, bool prewarmed,
                                  const std::string& reason, Duration delay, bool warmup = false);
  // Whether an instance the start action adds runs the app's warmup function first.
  bool WarmsUp(const ScaleAction& start) const;
  // No new work for it; its host is asked to drain (to_drain, after unlocking).
  void DrainLocked(const std::string& id, MonoTime now, std::vector<std::string>& to_drain);
  // One rollover step (scale/rollover_policy.h), if any is due.
  void RolloverLocked(MonoTime now, std::vector<std::string>& to_drain);
  // The same, from outside a decision (an instance became ready).
  void RolloverNow();
  void ScheduleDrains(const std::vector<std::string>& ids);
  void MarkReady(const std::string& id, std::optional<Duration> worker_startup);
  void LaunchLocked(const InstanceSpec& spec);
  static InstanceInfo ProbeTarget(const std::string& id, const InstanceRecord& r);
  void ProbeLoop(const std::string& id, Duration next_wait);
  // Asks a draining instance's host to drain, and again every drain_poll_interval, until the
  // instance is told to stop.
  void DrainLoop(const std::string& id);
  void OnReady(const std::string& id, std::optional<Duration> worker_startup);
  void OnHostUp(const std::string& id);
  void ReleaseAnswers(const std::string& id);
  void OnExit(const std::string& id, const std::string& how);
  void CheckDrainsLocked(MonoTime now);
  std::vector<InstanceView> ViewsLocked() const;
  void AccrueLocked(MonoTime now);
  // Whether instances of this scale group take the front door's (HTTP) requests.
  bool ServesHttp(const std::string& group) const;

  Clock& clock_;
  InstanceManager& instances_;
  InstanceProbe& probe_;
  FinalCountersHook final_counters_;
  FrontDoor& front_door_;
  ScaleControllerOptions options_;

  mutable std::mutex mu_;
  ScaleState state_;
  std::map<std::string, InstanceRecord> records_;
  std::deque<DecisionRecord> decisions_;
  std::map<std::string, std::uint64_t> decision_counts_;
  UsageTotals instance_usage_;          // accrued up to accrued_until_
  std::optional<MonoTime> accrued_until_;
  TimerId tick_timer_ = kNoTimer;
  bool stopping_ = false;
  bool load_poke_pending_ = false;
  // Starting instances with an extra probe under way, and the answers waiting for it.
  std::map<std::string, std::vector<std::function<void()>>> answered_;
  bool load_decided_ = false;  // a load decision since the last tick
  std::string host_version_;      // what new instances run
  std::string rollover_reason_;   // the last rollover line logged (not repeated while waiting)
  int next_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
