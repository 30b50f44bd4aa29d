// The local backend of InstanceManager: an instance is a `squall host` process (this binary) on
// a free loopback port, which starts the app's worker itself. Each instance gets its own cgroup
// with the plan's memory/CPU limit where the machine allows (cgroup.h); on cgroup v1 the host is
// forked straight into it (cgroup_spawner.h), elsewhere it is moved there right after it starts;
// the worker, forked later, inherits it. Processes are ChildProcesses: own
// process group, SIGKILL if the platform dies, exit noticed through a pidfd on the event loop.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "host/child_process.h"
#include "platform/cgroup.h"
#include "platform/instance_manager.h"

namespace squall {

class CgroupSpawner;
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
  // cgroup v1: threads that fork instances straight into their group (cgroup_spawner.h); two
  // cover the two starts of one decision (premium: scale-out and refill). 0 = move each
  // instance into its group after it starts (what v2 always does).
  int spawner_threads = 2;
  // The binary of a host version (InstanceSpec::host_version, when not ""): an installed build.
  // Unset, or "" returned: `executable`. An error fails the start. The instance's processes get
  // SQUALL_HOST_RUNNING_VERSION=<version> in their environment.
  std::function<StatusOr<std::string>(const std::string& version)> host_executable;
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

  // Returns once the host process runs (its pid known). On cgroup v1 it is forked by a spawner
  // thread straight into its group.
  StatusOr<InstanceInfo> Start(const InstanceSpec& spec) override;
  // With a spawner (cgroup v1), returns at once: the event loop waits neither for the fork nor
  // for the exec (which, on two busy cores, can take milliseconds).
  StatusOr<InstanceInfo> StartAsync(const InstanceSpec& spec) override;
  void Stop(const std::string& id, Duration grace) override;
  std::vector<InstanceInfo> List() const override;
  void OnExit(ExitListener listener) override;
  ResourceUsage Usage(const std::string& id) const override;
  // smaps_rollup of the host and of its descendants (the worker), and the cgroup's charge.
  std::vector<InstanceMemoryReading> SampleMemory() const override;

  // Added to the environment of every host started from now on (the direct connections'
  // exchange name and token). Thread-safe.
  void SetHostEnvironment(const std::string& name, const std::string& value);

  // `host APP --port N --instance-id ID [--group G] [--functions a,b] EXTRA...` (pure).
  // The environment a host gets besides its arguments: the plan's CPU, memory and HTTP
  // concurrency for the instance (SQUALL_INSTANCE_CPUS, _MEMORY_MB, _HTTP_CONCURRENCY).
  static std::map<std::string, std::string> HostEnvironment(const InstanceSpec& spec);
  static std::vector<std::string> HostArguments(const std::filesystem::path& app_dir,
                                                const InstanceSpec& spec, int port,
                                                const std::vector<std::string>& extra);

 private:
  struct Instance;
  StatusOr<InstanceInfo> StartInstance(const InstanceSpec& spec, bool wait);
  ChildProcess::ExitCallback ExitCallbackFor(const std::shared_ptr<Instance>& inst);
  // Creates its group, spawns the host and moves it into the group, on the calling thread.
  Status SpawnHere(const std::shared_ptr<Instance>& inst, const ProcessSpec& process);
  // On the loop, once a spawner thread has started it (or failed to).
  void OnSpawned(const std::shared_ptr<Instance>& inst, const Status& status);
  void ArmKillLocked(const std::shared_ptr<Instance>& inst, Duration grace);
  void OnHostExit(const std::shared_ptr<Instance>& inst, std::string how);
  void RemoveCgroupThenReport(const std::shared_ptr<Instance>& inst, std::string how,
                              MonoTime give_up_at);
  void Report(const std::shared_ptr<Instance>& inst, const std::string& how);

  EventLoop& loop_;
  Clock& clock_;
  LocalInstanceManagerOptions options_;
  std::unique_ptr<PlatformCgroups> cgroups_;
  std::unique_ptr<CgroupSpawner> spawner_;  // after cgroups_: destroyed before it
  // Callbacks on the loop or the Clock check this before touching the manager.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);

  mutable std::mutex mu_;
  std::map<std::string, std::string> extra_env_;  // SetHostEnvironment; under mu_
  std::map<std::string, std::shared_ptr<Instance>> instances_;  // until their exit is reported
  std::vector<ExitListener> listeners_;
};

}  // namespace squall
