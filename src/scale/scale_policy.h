// The scale decision: how many instances each scale group of an app should have now.
//
// Design note. Decide() is a pure function of (plan settings, app traits, state, observations,
// now): no I/O, no threads, no clock. The live scale controller and the simulator call it every
// plan.decision_interval with what they observe and the ScaleState the previous call returned,
// then carry out the actions. Nothing else is remembered between calls, so a decision can be
// replayed from a log of its inputs.
//
// Per group (one "app" group, or flex's per-function groups, see scale_groups.h):
//   load     = max(HTTP desired, trigger desired). HTTP desired = ceil(in-flight / per-instance
//              target) (HttpTargetPerInstance); each event-driven trigger reports its own desired
//              count (TriggerTarget); only the first 100 triggers by function name are looked at.
//   floor    = premium max(1, always-ready); flex the group's always-ready; dedicated the fixed
//              count; consumption 0. Consumption/flex also keep one instance warm until the group
//              has been idle (nothing in flight, no trigger wanting instances) for idle_timeout.
//   target   = max(load, floor, warm), capped by the app's max_instances (plan maximum, premium
//              max burst, scale limit; shared by all groups of a flex app, taken in group-name
//              order).
//   scale out: promote prewarmed instances first (premium, instant), start floor deficits at
//              once, then add load-driven instances at most one per http_rate_limit (HTTP) or
//              other_rate_limit (other triggers) — except the first instance at zero, which
//              starts at once. A rate of 0 means no limit.
//   scale in:  one instance per decision, only after target stayed below the live count for
//              scale_in_delay (the window restarts after each drain, and any decision where the
//              target is not below the count clears it); the instance with the least in-flight
//              work is drained, the youngest on ties. After idle_timeout with no work, the warm
//              instance is drained at once ("scale to zero").
//   prewarmed: premium keeps `prewarmed` started-but-unrouted instances at all times (beyond
//              Azure's docs, which allocate the buffer only once the always-ready instances
//              take load): the first burst is then a promotion, not a cold start. The buffer
//              never grows past max_instances; refills are not rate limited.
// Only live instances count: draining ones are on their way out (see drain_policy.h), and the
// caller leaves out instances that died, so the next decision replaces them.
// Every group decision carries the reason of each rule that fired.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "scale/plan.h"

namespace squall {

inline constexpr int kMaxWatchedTriggers = 100;

enum class InstanceState {
  kStarting,   // started, will take work when ready (counts as serving)
  kPrewarmed,  // started, not routed: a buffer that Promote makes ready at once (premium)
  kReady,      // taking work
  kDraining,   // no new work; stopped when idle or when the drain grace expires
};
const char* InstanceStateName(InstanceState state);

struct InstanceView {
  std::string id;
  std::string group;  // its scale group on flex; ignored on the other plans (all "app")
  InstanceState state = InstanceState::kStarting;
  MonoTime started_at{};
  int inflight = 0;  // invocations running on it, any trigger
};

// One event-driven trigger's own view of how many instances it needs (its "target scaler").
struct TriggerTarget {
  std::string function;      // function name
  std::string trigger_type;  // function.json type, e.g. "queueTrigger": decides the flex group
  int desired = 0;           // instances wanted for the current backlog
  std::string reason;        // e.g. "queue 'orders' length 512"
};

// What the HTTP target depends on besides the plan.
struct AppTraits {
  bool python = false;                         // flex: Python apps get 1 request per instance
  std::optional<int> max_concurrent_requests;  // host.json extensions.http.maxConcurrentRequests
  bool warmup = false;                         // the app has a warmupTrigger function
};

// In-flight HTTP requests per instance that HTTP scaling aims at: flex 16 (2048 MB) or 32
// (4096 MB), 1 for Python apps; other plans maxConcurrentRequests when set (> 0), else 100.
int HttpTargetPerInstance(const PlanConfig& plan, const AppTraits& app);

struct Observations {
  // HTTP requests the app holds: waiting at the front door or running. The HTTP scaling metric.
  int http_inflight = 0;
  std::vector<TriggerTarget> triggers;  // non-HTTP triggers, any order
  // Live instances, draining ones included. An instance that died is left out (and replaced).
  std::vector<InstanceView> instances;
};

struct GroupScaleState {
  std::optional<MonoTime> last_http_scale_out;   // last load-driven start for HTTP
  std::optional<MonoTime> last_other_scale_out;  // last load-driven start for other triggers
  std::optional<MonoTime> low_since;     // target below the live count since (stabilisation)
  std::optional<MonoTime> idle_since;    // nothing in flight and no trigger wanting since
  std::optional<MonoTime> last_busy_at;  // last decision that saw work (premium buffer)
};

// Pass the ScaleState a decision returns to the next call; start with a default one.
struct ScaleState {
  std::map<std::string, GroupScaleState> groups;
  bool ignored_triggers_reported = false;
};

enum class ScaleActionKind {
  kStartReady,      // start `count` instances that take work once ready
  kStartPrewarmed,  // start `count` instances kept warm but not routed
  kPromote,         // route work to prewarmed `instance_id` now
  kDrain,           // stop routing to `instance_id`; stop it per drain_policy.h
};
const char* ScaleActionKindName(ScaleActionKind kind);

struct ScaleAction {
  ScaleActionKind kind = ScaleActionKind::kStartReady;
  int count = 0;            // starts only
  std::string instance_id;  // promote / drain only
  std::string reason;
  bool scale_out = false;  // starts only: load made them (not a floor, not from zero)
};

struct GroupDecision {
  std::string group;
  int load_desired = 0;              // from load alone: max(HTTP desired, trigger desired)
  int target = 0;                    // serving instances wanted after floors and caps
  int serving = 0;                   // starting + ready instances seen
  int prewarmed = 0;                 // prewarmed instances seen
  std::vector<ScaleAction> actions;  // empty = nothing to do
  std::string reason;                // every rule that fired, joined with "; "

  int Starts(ScaleActionKind kind) const;  // sum of counts of that start kind
};

struct ScaleDecision {
  std::vector<GroupDecision> groups;  // by group name
  ScaleState next_state;
  // Triggers past the first 100 (by function name) that were not looked at, and whether this is
  // the first decision that found some (warn once).
  std::vector<std::string> ignored_triggers;
  bool warn_ignored_triggers = false;
  MonoTime next_decision_at{};  // now + decision_interval

  const GroupDecision* Group(const std::string& name) const;  // nullptr when absent
};

ScaleDecision Decide(const PlanConfig& plan, const AppTraits& app, const ScaleState& state,
                     const Observations& observations, MonoTime now);

}  // namespace squall
