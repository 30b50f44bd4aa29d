// A tiny hand-driven world for scale-policy tests: it holds the instances, calls Decide, and
// carries out the actions the way a platform would (starts appear as "i-N" at once). Time moves
// only through Advance(); nothing sleeps.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scale/plan.h"
#include "scale/scale_policy.h"

namespace squall {

inline PlanConfig MustValidate(const PlanOptions& options) {
  auto c = ValidatePlan(options);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : PlanConfig{};
}

class ScaleWorld {
 public:
  explicit ScaleWorld(PlanConfig plan, AppTraits app = {}) : plan_(std::move(plan)), app_(app) {}

  // One decision at now(); its actions are applied.
  const ScaleDecision& Step() {
    last_ = Decide(plan_, app_, state_, obs_, now_);
    state_ = last_.next_state;
    for (const GroupDecision& g : last_.groups) {
      for (const ScaleAction& a : g.actions) Apply(g.group, a);
    }
    return last_;
  }

  void Advance(Duration d) { now_ += d; }
  MonoTime now() const { return now_; }

  // Adds an instance directly (already running).
  InstanceView& Add(InstanceState state, std::string group = "app", int inflight = 0) {
    obs_.instances.push_back(
        {"i-" + std::to_string(next_id_++), std::move(group), state, now_, inflight});
    return obs_.instances.back();
  }
  void ReadyAll() {
    for (auto& i : obs_.instances) {
      if (i.state == InstanceState::kStarting) i.state = InstanceState::kReady;
    }
  }
  void Kill(const std::string& id) {
    std::erase_if(obs_.instances, [&](const InstanceView& i) { return i.id == id; });
  }
  void RemoveDraining() {
    std::erase_if(obs_.instances,
                  [](const InstanceView& i) { return i.state == InstanceState::kDraining; });
  }
  InstanceView* Find(const std::string& id) {
    for (auto& i : obs_.instances) {
      if (i.id == id) return &i;
    }
    return nullptr;
  }
  int Count(InstanceState state, const std::string& group = "") const {
    return static_cast<int>(
        std::count_if(obs_.instances.begin(), obs_.instances.end(), [&](const InstanceView& i) {
          return i.state == state && (group.empty() || i.group == group);
        }));
  }
  // Starting + ready.
  int Serving(const std::string& group = "") const {
    return Count(InstanceState::kStarting, group) + Count(InstanceState::kReady, group);
  }

  Observations& obs() { return obs_; }
  ScaleState& state() { return state_; }
  const ScaleDecision& last() const { return last_; }
  const GroupDecision& group(const std::string& name = "app") const {
    const GroupDecision* g = last_.Group(name);
    if (g == nullptr) {
      ADD_FAILURE() << "no decision for group " << name;
      static const GroupDecision kNone;
      return kNone;
    }
    return *g;
  }
  const PlanConfig& plan() const { return plan_; }

 private:
  void Apply(const std::string& group, const ScaleAction& a) {
    switch (a.kind) {
      case ScaleActionKind::kStartReady:
        for (int k = 0; k < a.count; ++k) Add(InstanceState::kStarting, group);
        break;
      case ScaleActionKind::kStartPrewarmed:
        for (int k = 0; k < a.count; ++k) Add(InstanceState::kPrewarmed, group);
        break;
      case ScaleActionKind::kPromote:
        ASSERT_NE(Find(a.instance_id), nullptr) << a.instance_id;
        Find(a.instance_id)->state = InstanceState::kReady;
        break;
      case ScaleActionKind::kDrain:
        ASSERT_NE(Find(a.instance_id), nullptr) << a.instance_id;
        Find(a.instance_id)->state = InstanceState::kDraining;
        break;
    }
  }

  PlanConfig plan_;
  AppTraits app_;
  ScaleState state_;
  Observations obs_;
  MonoTime now_{std::chrono::hours(1)};
  int next_id_ = 1;
  ScaleDecision last_;
};

}  // namespace squall
