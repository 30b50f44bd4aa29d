// The local backend of InstanceManager: an instance is a `squall host` process (this binary) on
// a free loopback port, which starts the app's worker itself. Each instance gets its own cgroup
// with the plan's memory/CPU limit where the machine allows (cgroup.h); the host joins it right
// after it starts and the worker, forked later, inherits it. Processes are ChildProcesses: own
// process group, SIGKILL if the platform dies, exit noticed through a pidfd on the event loop.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "platform/cgroup.h"
#include "platform/instance_manager.h"

namespace squall {

class ChildProcess;
class EventLoop;

struct LocalInstanceManagerOptions {
  std::filesystem::path app_dir;
  std::string executable;              // the squall binary; empty = this one (/proc/self/exe)
  std::vector<std::string> host_args;  // appended to every `squall host` (--log-format json...)
  bool use_cgroups = true;             // false: never touch cgroups
  std::string cgroup_name;             // empty = "squall-<platform pid>"
  // After an instance's host has exited, how long its cgroup may take to empty (the worker dies
  // with its host) before the directory is given up on and the exit reported anyway.
  Duration cgroup_drain_timeout = std::chrono::seconds(5);
};

class LocalInstanceManager final : public InstanceManager {
 public:
  LocalInstanceManager(EventLoop& loop, Clock& clock, LocalInstanceManagerOptions options);
  // Kills every instance still running (SIGKILL: an orderly stop is Stop() with a grace).
  ~LocalInstanceManager() override;

  // ok when instances get memory and CPU limits; otherwise what to log once at start
  // ("cgroups unavailable (...): instances run without memory/CPU limits").
  Status limits_status() const;
  // Where the limits live ("cgroup v1: /sys/fs/cgroup/memory/.../squall-42 (memory), ..."), for
  // the start-up log.
  std::string limits_description() const;

  StatusOr<InstanceInfo> Start(const InstanceSpec& spec) override;
  void Stop(const std::string& id, Duration grace) override;
  std::vector<InstanceInfo> List() const override;
  void OnExit(ExitListener listener) override;
  ResourceUsage Usage(const std::string& id) const override;

  // `host APP --port N --instance-id ID [--group G] [--functions a,b] EXTRA...` (pure).
  static std::vector<std::string> HostArguments(const std::filesystem::path& app_dir,
                                                const InstanceSpec& spec, int port,
                                                const std::vector<std::string>& extra);

 private:
  struct Instance;
  void OnHostExit(const std::shared_ptr<Instance>& inst, std::string how);
  void RemoveCgroupThenReport(const std::shared_ptr<Instance>& inst, std::string how,
                              MonoTime give_up_at);
  void Report(const std::shared_ptr<Instance>& inst, const std::string& how);

  EventLoop& loop_;
  Clock& clock_;
  LocalInstanceManagerOptions options_;
  std::unique_ptr<PlatformCgroups> cgroups_;
  // Callbacks on the loop or the Clock check this before touching the manager.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Instance>> instances_;  // until their exit is reported
  std::vector<ExitListener> listeners_;
};

}  // namespace squall
