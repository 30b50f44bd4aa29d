#include "platform/host_version_watcher.h"

#include "core/log.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Platform.Versions";
}  // namespace

HostVersionWatcher::HostVersionWatcher(Clock& clock, std::string current, Resolve resolve,
                                       OnChange on_change, Duration interval)
    : clock_(clock),
      current_(std::move(current)),
      resolve_(std::move(resolve)),
      on_change_(std::move(on_change)),
      interval_(interval) {}

HostVersionWatcher::~HostVersionWatcher() {
  *alive_ = false;
  clock_.Cancel(timer_);
}

void HostVersionWatcher::Start() { Arm(); }

void HostVersionWatcher::Stop() {
  clock_.Cancel(timer_);
  timer_ = kNoTimer;
}

void HostVersionWatcher::Arm() {
  timer_ = clock_.Schedule(interval_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); !a || !*a) return;
    timer_ = kNoTimer;
    CheckNow();
    Arm();
  });
}

void HostVersionWatcher::CheckNow() {
  StatusOr<std::string> next = resolve_();
  if (!next.ok()) {
    if (next.status().message() != last_problem_) {
      last_problem_ = next.status().message();
      LogWarn(kCategory, "{}: instances keep running host version {}", last_problem_, current_);
    }
    return;
  }
  last_problem_.clear();
  if (*next == current_) return;
  current_ = *next;
  on_change_(current_);
}

}  // namespace squall
