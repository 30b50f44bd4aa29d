// Which host version new instances run, followed while the platform runs: every interval (2 s)
// it asks `resolve` (the app setting SQUALL_HOST_VERSION, from local.settings.json or the
// environment, against the installed builds; unset = the newest) and calls on_change when the
// answer differs from the current one. A pin that cannot be resolved (not installed) is logged
// once and changes nothing: instances keep running what they run.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

class HostVersionWatcher {
 public:
  using Resolve = std::function<StatusOr<std::string>()>;
  using OnChange = std::function<void(const std::string& version)>;

  HostVersionWatcher(Clock& clock, std::string current, Resolve resolve, OnChange on_change,
                     Duration interval = std::chrono::seconds(2));
  ~HostVersionWatcher();

  void Start();
  void Stop();
  void CheckNow();
  const std::string& current() const { return current_; }

 private:
  void Arm();

  Clock& clock_;
  std::string current_;
  Resolve resolve_;
  OnChange on_change_;
  Duration interval_;
  std::string last_problem_;
  TimerId timer_ = kNoTimer;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
