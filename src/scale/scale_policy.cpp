#include "scale/scale_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "scale/duration_flag.h"
#include "scale/scale_groups.h"

namespace squall {

namespace {

// What one group sees this round.
struct GroupInput {
  std::vector<const InstanceView*> serving;  // starting + ready
  std::vector<const InstanceView*> prewarmed;
  int inflight = 0;       // on serving and prewarmed instances
  int http_inflight = 0;  // HTTP load routed to this group
  int other_desired = 0;
  std::string other_reason;  // of the trigger that wants the most
};

int CeilDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = (a + b - 1) / b;
  return q > INT_MAX ? INT_MAX : static_cast<int>(q);
}

void AddReason(std::string* reasons, const std::string& reason) {
  if (reason.empty()) return;
  if (!reasons->empty()) *reasons += "; ";
  *reasons += reason;
}

// How many load-driven starts a rate limit allows now: no limit at rate 0; the first instance at
// zero never waits; otherwise one per `rate`.
int RateAllows(const std::optional<MonoTime>& last, Duration rate, MonoTime now, bool from_zero) {
  if (rate <= Duration::zero()) return INT_MAX;
  if (from_zero || !last || now - *last >= rate) return 1;
  return 0;
}

// The instance to drain: least in-flight work, then youngest, then the greater id.
const InstanceView* PickDrain(const std::vector<const InstanceView*>& candidates) {
  const InstanceView* best = nullptr;
  for (const InstanceView* i : candidates) {
    if (best == nullptr || i->inflight < best->inflight ||
        (i->inflight == best->inflight &&
         (i->started_at > best->started_at ||
          (i->started_at == best->started_at && i->id > best->id)))) {
      best = i;
    }
  }
  return best;
}

std::string FloorReason(const PlanConfig& plan, const std::string& group, int floor) {
  switch (plan.kind) {
    case PlanKind::kPremium:
      return fmt::format("premium always-ready floor {}", floor);
    case PlanKind::kFlex:
      return fmt::format("flex always-ready {} {}", group, floor);
    case PlanKind::kDedicated:
      return fmt::format("dedicated: fixed at {}", floor);
    case PlanKind::kConsumption:
      break;
  }
  return {};
}

class GroupDecider {
 public:
  GroupDecider(const PlanConfig& plan, int http_target, const std::string& group,
               const GroupInput& in, const GroupScaleState& prev, MonoTime now, int allowance)
      : plan_(plan),
        http_target_(http_target),
        group_(group),
        in_(in),
        prev_(prev),
        now_(now),
        allowance_(std::max(0, allowance)) {}

  // Fills d_ and next_; returns the change in the app's live instance count.
  int Run() {
    d_.group = group_;
    d_.serving = static_cast<int>(in_.serving.size());
    d_.prewarmed = static_cast<int>(in_.prewarmed.size());
    next_ = prev_;
    serving_ = d_.serving;
    prewarmed_left_ = d_.prewarmed;

    ComputeLoad();
    TrackIdle();
    if (plan_.kind == PlanKind::kDedicated) {
      Dedicated();
    } else {
      ComputeTarget();
      if (target_ > serving_) {
        next_.low_since.reset();
        ScaleOut();
      } else if (target_ < serving_) {
        ScaleIn();
      } else {
        next_.low_since.reset();
        Steady();
      }
    }
    Prewarmed();
    return delta_;
  }

  GroupDecision decision() && { return std::move(d_); }
  const GroupScaleState& next_state() const { return next_; }

 private:
  void ComputeLoad() {
    http_desired_ = in_.http_inflight > 0 ? CeilDiv(in_.http_inflight, http_target_) : 0;
    if (http_desired_ > 0) {
      http_reason_ = fmt::format("http: {} in flight / target {} per instance → {}",
                                 in_.http_inflight, http_target_, http_desired_);
    }
    d_.load_desired = std::max(http_desired_, in_.other_desired);
    busy_ = in_.http_inflight > 0 || in_.other_desired > 0 || in_.inflight > 0;
  }

  void TrackIdle() {
    if (busy_) {
      next_.last_busy_at = now_;
      next_.idle_since.reset();
      idle_for_ = Duration::zero();
      return;
    }
    if (!next_.idle_since) next_.idle_since = now_;
    idle_for_ = now_ - *next_.idle_since;
    idle_expired_ = LimitsOf(plan_.kind).scales_to_zero && idle_for_ >= plan_.idle_timeout;
  }

  void ComputeTarget() {
    floor_ = plan_.ReadyFloor(group_);
    const bool warm = LimitsOf(plan_.kind).scales_to_zero && serving_ > 0 && !idle_expired_;
    const int wanted = std::max({d_.load_desired, floor_, warm ? 1 : 0});
    target_ = std::min(wanted, allowance_);
    if (wanted > target_) {
      AddReason(&d_.reason, fmt::format("{}: desired {} capped at {}", plan_.max_instances_rule,
                                        wanted, target_));
    }
    d_.target = target_;
  }

  void ScaleOut() {
    // 1. Prewarmed instances first: they are already running.
    std::vector<const InstanceView*> pre = in_.prewarmed;
    std::sort(pre.begin(), pre.end(), [](const InstanceView* a, const InstanceView* b) {
      return a->started_at != b->started_at ? a->started_at < b->started_at : a->id < b->id;
    });
    for (const InstanceView* p : pre) {
      if (serving_ >= target_) break;
      Act(ScaleActionKind::kPromote, 0, p->id,
          fmt::format("prewarmed promoted: {} (ready ones take load: want {}, have {})", p->id,
                      target_, serving_));
      ++serving_;
      --prewarmed_left_;
    }
    // 2. Floor deficits start at once.
    const int floor = std::min(floor_, target_);
    if (serving_ < floor) {
      const int n = floor - serving_;
      Act(ScaleActionKind::kStartReady, n, {}, FloorReason(plan_, group_, floor_));
      serving_ += n;
      delta_ += n;
    }
    if (serving_ >= target_) return;
    // 3. Load-driven starts, rate limited per kind (HTTP / other triggers).
    const bool from_zero = serving_ == 0;
    const int want_http = std::max(0, std::min(http_desired_, target_) - serving_);
    const int want_other = std::max(0, std::min(in_.other_desired, target_) - serving_);
    const int allow_http =
        want_http > 0 ? std::min(want_http, RateAllows(prev_.last_http_scale_out,
                                                       plan_.http_rate_limit, now_, from_zero))
                      : 0;
    const int allow_other =
        want_other > 0 ? std::min(want_other, RateAllows(prev_.last_other_scale_out,
                                                         plan_.other_rate_limit, now_, from_zero))
                       : 0;
    if (allow_http > 0 || allow_other > 0) {
      const bool http = allow_http >= allow_other;
      const int n = http ? allow_http : allow_other;
      const std::string& why = http ? http_reason_ : in_.other_reason;
      if (from_zero) {
        Act(ScaleActionKind::kStartReady, n, {},
            fmt::format("cold start: {}; start {} now (no rate limit from zero)", why, n));
      } else {
        Act(ScaleActionKind::kStartReady, n, {}, fmt::format("scale out +{}: {}", n, why));
        d_.actions.back().scale_out = true;
      }
      (http ? next_.last_http_scale_out : next_.last_other_scale_out) = now_;
      serving_ += n;
      delta_ += n;
      return;
    }
    // Held back by the rate limits: say when the earliest of them opens.
    std::optional<Duration> wait;
    std::string what;
    std::string why;
    if (want_http > 0) {
      wait = *prev_.last_http_scale_out + plan_.http_rate_limit - now_;
      what = "HTTP scale-out";
      why = http_reason_;
    }
    if (want_other > 0) {
      const Duration w = *prev_.last_other_scale_out + plan_.other_rate_limit - now_;
      if (!wait || w < *wait) {
        wait = w;
        what = "scale-out for other triggers";
        why = in_.other_reason;
      }
    }
    if (wait) {
      AddReason(&d_.reason,
                fmt::format("rate limit: next {} at +{} ({})", what, FormatSeconds(*wait), why));
    }
  }

  void ScaleIn() {
    const InstanceView* victim = PickDrain(in_.serving);
    if (idle_expired_ && LimitsOf(plan_.kind).scales_to_zero) {
      // Idle for idle_timeout proves the load is gone: no stabilisation wait.
      next_.low_since = now_;
      const std::string what =
          target_ == 0
              ? fmt::format("scale to zero after {} idle", FormatDurationFlag(plan_.idle_timeout))
              : fmt::format("idle {}: down to {}", FormatDurationFlag(plan_.idle_timeout),
                            FloorReason(plan_, group_, floor_));
      Drain(victim, fmt::format("{}, draining {}", what, victim->id));
      --serving_;
      return;
    }
    if (!next_.low_since) next_.low_since = now_;
    const Duration low_for = now_ - *next_.low_since;
    if (low_for >= plan_.scale_in_delay) {
      next_.low_since = now_;  // the next instance waits a full window
      Drain(victim,
            fmt::format("scale-in: load below {} for {} (desired {}), draining {}", serving_,
                        FormatDurationFlag(plan_.scale_in_delay), target_, victim->id));
      --serving_;
      return;
    }
    AddReason(&d_.reason,
              fmt::format("scale-in pending: desired {} below {} for {} of {}", target_, serving_,
                          FormatSeconds(low_for), FormatDurationFlag(plan_.scale_in_delay)));
  }

  void Steady() {
    if (serving_ == 0) {
      if (d_.reason.empty()) AddReason(&d_.reason, "idle at zero");
      return;
    }
    if (!busy_ && floor_ < serving_ && LimitsOf(plan_.kind).scales_to_zero) {
      AddReason(&d_.reason, fmt::format("warm: idle {} of {}", FormatSeconds(idle_for_),
                                        FormatDurationFlag(plan_.idle_timeout)));
      return;
    }
    if (floor_ >= serving_ && d_.load_desired < serving_) {
      AddReason(&d_.reason, FloorReason(plan_, group_, floor_));
      return;
    }
    AddReason(&d_.reason, fmt::format("steady: {} for desired {}", serving_, target_));
  }

  void Dedicated() {
    floor_ = plan_.fixed_instances;
    target_ = floor_;
    d_.target = target_;
    const std::string rule = FloorReason(plan_, group_, floor_);
    if (serving_ < target_) {
      const int n = target_ - serving_;
      Act(ScaleActionKind::kStartReady, n, {}, fmt::format("{}, starting {}", rule, n));
      serving_ += n;
      delta_ += n;
    } else if (serving_ > target_) {
      const InstanceView* victim = PickDrain(in_.serving);
      Drain(victim, fmt::format("{}, draining {}", rule, victim->id));
      --serving_;
    } else {
      AddReason(&d_.reason, rule);
    }
  }

  // The premium buffer: started but not routed, always kept (squall's issue spec: "keeps
  // --prewarmed extra instances started but not routed"), so the first burst is served by a
  // promotion, never a cold start. Azure's docs allocate it only once the always-ready
  // instances take load; docs/architecture.md says why squall keeps it.
  void Prewarmed() {
    const bool active = true;
    const int want = active ? plan_.prewarmed : 0;
    const int room = std::max(0, allowance_ - serving_);
    const int keep = std::min(want, room);
    if (prewarmed_left_ < keep) {
      const int n = keep - prewarmed_left_;
      Act(ScaleActionKind::kStartPrewarmed, n, {},
          fmt::format("prewarmed refill: +{} to keep {} warm", n, keep));
      prewarmed_left_ += n;
      delta_ += n;
    } else if (prewarmed_left_ > keep) {
      // Drain one of the prewarmed instances not promoted this round: the youngest.
      std::vector<const InstanceView*> left;
      for (const InstanceView* p : in_.prewarmed) {
        bool promoted = false;
        for (const auto& a : d_.actions) {
          promoted = promoted || (a.kind == ScaleActionKind::kPromote && a.instance_id == p->id);
        }
        if (!promoted) left.push_back(p);
      }
      const InstanceView* victim = PickDrain(left);
      const std::string why = !active ? fmt::format("prewarmed released: no work for {}",
                                                    FormatDurationFlag(plan_.scale_in_delay))
                                      : fmt::format("prewarmed above buffer {}", keep);
      Drain(victim, fmt::format("{}, draining {}", why, victim->id));
      --prewarmed_left_;
    }
    if (want > keep && plan_.prewarmed > 0) {
      AddReason(&d_.reason,
                fmt::format("prewarmed buffer held at {}: {}", keep, plan_.max_instances_rule));
    }
  }

  void Act(ScaleActionKind kind, int count, std::string id, std::string reason) {
    AddReason(&d_.reason, reason);
    d_.actions.push_back({kind, count, std::move(id), std::move(reason)});
  }

  void Drain(const InstanceView* victim, std::string reason) {
    Act(ScaleActionKind::kDrain, 0, victim->id, std::move(reason));
    delta_ -= 1;
  }

  const PlanConfig& plan_;
  const int http_target_;
  const std::string& group_;
  const GroupInput& in_;
  const GroupScaleState& prev_;
  const MonoTime now_;
  const int allowance_;  // live instances this group may have (serving + prewarmed)

  GroupDecision d_;
  GroupScaleState next_;
  int serving_ = 0;
  int prewarmed_left_ = 0;
  int delta_ = 0;
  int http_desired_ = 0;
  std::string http_reason_;
  bool busy_ = false;
  Duration idle_for_{};
  bool idle_expired_ = false;
  int floor_ = 0;
  int target_ = 0;
};

}  // namespace

const char* InstanceStateName(InstanceState state) {
  switch (state) {
    case InstanceState::kStarting:
      return "starting";
    case InstanceState::kPrewarmed:
      return "prewarmed";
    case InstanceState::kReady:
      return "ready";
    case InstanceState::kDraining:
      return "draining";
  }
  return "unknown";
}

const char* ScaleActionKindName(ScaleActionKind kind) {
  switch (kind) {
    case ScaleActionKind::kStartReady:
      return "start";
    case ScaleActionKind::kStartPrewarmed:
      return "start-prewarmed";
    case ScaleActionKind::kPromote:
      return "promote";
    case ScaleActionKind::kDrain:
      return "drain";
  }
  return "unknown";
}

int HttpTargetPerInstance(const PlanConfig& plan, const AppTraits& app) {
  if (plan.kind == PlanKind::kFlex) {
    if (app.python) return 1;
    return plan.instance.memory_mb >= 4096 ? 32 : 16;
  }
  if (app.max_concurrent_requests && *app.max_concurrent_requests > 0) {
    return *app.max_concurrent_requests;
  }
  return 100;
}

int GroupDecision::Starts(ScaleActionKind kind) const {
  int n = 0;
  for (const auto& a : actions) {
    if (a.kind == kind) n += a.count;
  }
  return n;
}

const GroupDecision* ScaleDecision::Group(const std::string& name) const {
  for (const auto& g : groups) {
    if (g.group == name) return &g;
  }
  return nullptr;
}

ScaleDecision Decide(const PlanConfig& plan, const AppTraits& app, const ScaleState& state,
                     const Observations& obs, MonoTime now) {
  ScaleDecision out;
  out.next_decision_at = now + plan.decision_interval;
  const bool flex = plan.kind == PlanKind::kFlex;
  auto group_of_instance = [&](const InstanceView& i) {
    return flex ? i.group : std::string(kAppGroup);
  };

  std::map<std::string, GroupInput> inputs;
  if (!flex) inputs[std::string(kAppGroup)];
  for (const auto& [group, count] : plan.always_ready_groups) inputs[group];

  // Live instances by group; draining ones do not count.
  int app_live = 0;
  for (const InstanceView& i : obs.instances) {
    if (i.state == InstanceState::kDraining) continue;
    GroupInput& in = inputs[group_of_instance(i)];
    (i.state == InstanceState::kPrewarmed ? in.prewarmed : in.serving).push_back(&i);
    in.inflight += std::max(0, i.inflight);
    ++app_live;
  }
  if (obs.http_inflight > 0) inputs[HttpGroupOf(plan.kind)].http_inflight = obs.http_inflight;

  // The first 100 event-driven triggers by function name.
  std::vector<const TriggerTarget*> triggers;
  for (const auto& t : obs.triggers) triggers.push_back(&t);
  std::stable_sort(
      triggers.begin(), triggers.end(),
      [](const TriggerTarget* a, const TriggerTarget* b) { return a->function < b->function; });
  for (std::size_t k = 0; k < triggers.size(); ++k) {
    const TriggerTarget& t = *triggers[k];
    if (k >= static_cast<std::size_t>(kMaxWatchedTriggers)) {
      out.ignored_triggers.push_back(t.function);
      continue;
    }
    GroupInput& in = inputs[ScaleGroupOf(plan.kind, t.trigger_type, t.function)];
    if (t.desired > in.other_desired) {
      in.other_desired = t.desired;
      in.other_reason = fmt::format("{}: {} → {}", t.function,
                                    t.reason.empty() ? t.trigger_type : t.reason, t.desired);
    }
  }
  out.warn_ignored_triggers = !out.ignored_triggers.empty() && !state.ignored_triggers_reported;
  out.next_state.ignored_triggers_reported =
      state.ignored_triggers_reported || !out.ignored_triggers.empty();

  const int http_target = HttpTargetPerInstance(plan, app);
  static const GroupScaleState kFresh;
  for (const auto& [group, in] : inputs) {
    auto prev_it = state.groups.find(group);
    const GroupScaleState& prev = prev_it == state.groups.end() ? kFresh : prev_it->second;
    const int own = static_cast<int>(in.serving.size() + in.prewarmed.size());
    GroupDecider decider(plan, http_target, group, in, prev, now,
                         plan.max_instances - (app_live - own));
    app_live += decider.Run();
    out.next_state.groups[group] = decider.next_state();
    out.groups.push_back(std::move(decider).decision());
  }
  return out;
}

}  // namespace squall
