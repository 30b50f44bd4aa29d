// Host version rollover: when the host version new instances run changes (the app setting
// SQUALL_HOST_VERSION, or a newer build installed while it is unset), running instances move to
// it one at a time, each drained as scale-in drains. Pure: the scale controller calls it with
// its instances after every decision and whenever an instance becomes ready, and carries out
// the one action it returns.
//
// One step: an outdated instance that serves (ready) gets a replacement first — one extra
// instance on the new version, started beside it — and is drained once that replacement is
// ready, so capacity never dips (a surge of one, beyond the plan's maximum for that moment). An
// outdated instance that serves nothing (pre-warmed, still starting) is drained at once: the
// scale policy starts its successor on the new version. The next step waits until the drained
// instance is gone. Oldest first.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "scale/scale_policy.h"

namespace squall {

struct RolloverView {
  std::string id;
  std::string group;
  std::string host_version;
  InstanceState state = InstanceState::kStarting;
  MonoTime started_at{};
  bool ready = false;    // its host and worker answered ready
  std::string replaces;  // set on a replacement a rollover started: the instance it replaces
};

enum class RolloverActionKind { kNone, kStartReplacement, kDrain };

struct RolloverAction {
  RolloverActionKind kind = RolloverActionKind::kNone;
  std::string instance_id;  // kDrain: the one to drain; kStartReplacement: the one replaced
  std::string group;        // kStartReplacement: the scale group to start it in
  std::string reason;       // "" for kNone with nothing to do; else why (also when waiting)
};

RolloverAction NextRolloverStep(const std::string& target_version,
                                const std::vector<RolloverView>& instances);

}  // namespace squall
