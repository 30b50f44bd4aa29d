// The seam between the platform's decisions (scale controller, front door) and wherever instances
// run. An instance is one functions host (`squall host`) with its worker, under one resource
// limit. The local backend runs processes in cgroups (local_instance_manager.h); a cluster
// backend (pods) is to implement the same interface, so nothing outside src/platform may assume
// that an instance is a local process: a pid may be 0, an endpoint may be another machine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "memory/memory_sample.h"

namespace squall {

// The plan's size of one instance. 0 = no limit.
struct ResourceLimits {
  std::int64_t memory_bytes = 0;
  double cpu_cores = 0;
  // Flex: the plan's per-instance HTTP concurrency (Azure's perInstanceConcurrency: at most
  // this many HTTP invocations at once on the instance); 0 = none.
  int http_concurrency = 0;
};

struct InstanceSpec {
  std::string id;                      // unique among running instances; IsValidInstanceId
  std::string group;                   // the scale group it serves (flex), "" = the whole app
  std::vector<std::string> functions;  // serve only these; empty = every function of the app
  ResourceLimits limits;
  // The host build to run ("" = the backend's default): an installed version's name
  // (versions/host_versions.h) locally, an image tag for a cluster backend.
  std::string host_version;
  // Added by a scale-out: the host runs the app's warmupTrigger function before taking work.
  bool warmup = false;
};

struct InstanceInfo {
  std::string id;
  std::string group;
  int pid = 0;            // the host's process id where there is one, else 0
  std::string host;       // where the instance's HTTP server is, e.g. "127.0.0.1"
  int port = 0;
  MonoTime started_at{};  // when Start was called (on the manager's Clock)

  // "host:port". The instance is ready once GET http://<endpoint>/admin/host/ping answers 200;
  // the caller polls for it (the manager only starts the instance).
  std::string endpoint() const { return host + ":" + std::to_string(port); }
};

// What an instance uses now, host and worker together.
struct ResourceUsage {
  std::int64_t memory_bytes = 0;  // current memory (cgroup charge, or resident set size)
  double cpu_seconds = 0;         // CPU time used since the instance started
  bool measured = false;          // false: unknown instance, or nothing could be read
};

// The memory of one instance, its host and its worker apart (the memory sampler's reading).
struct InstanceMemoryReading {
  std::string id;
  ProcessMemory host;
  ProcessMemory worker;
  std::int64_t cgroup_bytes = -1;  // the instance's resource group charge; -1: none
};

class InstanceManager {
 public:
  // how: why it ended, for logs and decisions ("stopped: exited with code 0", "exited
  // unexpectedly: killed by signal 9 (Killed); out of memory...").
  using ExitListener = std::function<void(const std::string& id, std::string how)>;

  virtual ~InstanceManager() = default;

  // Starts an instance and returns at once (before it is ready). Fails when the id is invalid or
  // already running, or when nothing can be started at all.
  virtual StatusOr<InstanceInfo> Start(const InstanceSpec& spec) = 0;
  // The same, but it may return before the instance's process exists: pid 0 until then (List
  // has it once it runs). A start that fails after returning is reported through OnExit, with
  // how "failed to start: ...". What the scale controller uses, so that starting instances
  // never holds up the requests the front door is serving.
  virtual StatusOr<InstanceInfo> StartAsync(const InstanceSpec& spec) { return Start(spec); }
  // Asks the instance to stop (SIGTERM locally: the host stops its worker) and ends it
  // forcibly after grace. Unknown or already stopped ids are ignored.
  virtual void Stop(const std::string& id, Duration grace) = 0;
  // The instances started and not yet ended.
  virtual std::vector<InstanceInfo> List() const = 0;
  // Called once per instance when it has ended, whoever ended it, after its processes are gone.
  // Listeners accumulate; call before starting instances.
  virtual void OnExit(ExitListener listener) = 0;
  virtual ResourceUsage Usage(const std::string& id) const = 0;
  // Host and worker memory of every running instance that can be measured (a backend that
  // cannot measure them answers none). Reads /proc: tens to hundreds of microseconds per
  // instance.
  virtual std::vector<InstanceMemoryReading> SampleMemory() const { return {}; }
};

// An id is a plain token: 1..64 of [A-Za-z0-9._-], starting with a letter or digit. It becomes a
// directory name, a log field and a command-line argument, so nothing in it needs quoting.
bool IsValidInstanceId(std::string_view id);

}  // namespace squall
