#include "scale/rollover_policy.h"

#include <algorithm>

namespace squall {

namespace {

std::string Describe(const RolloverView& v) { return v.id + " (" + v.host_version + ")"; }

}  // namespace

RolloverAction NextRolloverStep(const std::string& target,
                                const std::vector<RolloverView>& instances) {
  RolloverAction none;
  if (target.empty()) return none;
  auto find = [&](const std::string& id) -> const RolloverView* {
    for (const auto& v : instances)
      if (v.id == id) return &v;
    return nullptr;
  };
  // A step under way: its replacement is starting, or ready with the old one still serving.
  for (const auto& v : instances) {
    if (v.replaces.empty() || v.state == InstanceState::kDraining) continue;
    const RolloverView* old = find(v.replaces);
    if (!old || old->state == InstanceState::kDraining) continue;
    if (!v.ready) {
      none.reason = "rollover: waiting for " + v.id + " to be ready before draining " + old->id;
      return none;
    }
    return {RolloverActionKind::kDrain, old->id, old->group,
            "rollover: " + Describe(v) + " is ready; draining " + Describe(*old)};
  }
  // One at a time: an outdated instance still draining ends first.
  for (const auto& v : instances) {
    if (v.state == InstanceState::kDraining && v.host_version != target) {
      none.reason = "rollover: waiting for " + Describe(v) + " to finish draining";
      return none;
    }
  }
  const RolloverView* oldest = nullptr;
  for (const auto& v : instances) {
    if (v.host_version == target || v.state == InstanceState::kDraining) continue;
    if (!oldest || v.started_at < oldest->started_at ||
        (v.started_at == oldest->started_at && v.id < oldest->id))
      oldest = &v;
  }
  if (!oldest) return none;
  if (oldest->state == InstanceState::kReady && oldest->ready) {
    return {RolloverActionKind::kStartReplacement, oldest->id, oldest->group,
            "rollover: new instances run host version " + target +
                "; starting a replacement "
                "for " +
                Describe(*oldest)};
  }
  return {RolloverActionKind::kDrain, oldest->id, oldest->group,
          "rollover: new instances run host version " + target + "; draining " + Describe(*oldest) +
              ", which serves nothing yet"};
}

}  // namespace squall
