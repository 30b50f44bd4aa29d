// Dynamic concurrency on the live host: one health check a second (HostHealthMonitor), one
// Adjust() per function per check (concurrency/concurrency_policy.h, the same pure function
// the simulator calls), the levels it gives applied to HTTP functions (a per-function gate:
// requests over the level wait in a bounded queue, then 429) and to queue listeners (how many
// messages they may take). Moves are logged under Host.Concurrency. With snapshot persistence
// the instance holding the snapshot lock writes the levels every 10 s when they changed, and
// every instance starts from the stored snapshot (concurrency/snapshot.h).
// Without dynamic concurrency it only counts invocations in flight (for
// /admin/host/concurrency) and admits everything.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "concurrency/concurrency_policy.h"
#include "concurrency/snapshot.h"
#include "core/clock.h"
#include "core/status.h"
#include "host/host_health_monitor.h"
#include "host/request_gate.h"

namespace squall {

// Where snapshots are kept (the app's storage; TriggerRuntime provides it).
class ConcurrencySnapshotStore {
 public:
  virtual ~ConcurrencySnapshotStore() = default;
  virtual void Read(std::function<void(StatusOr<std::optional<std::string>>)> done) = 0;
  virtual void Write(std::string json, std::function<void(Status)> done) = 0;
  // true when this instance may write (it holds or took the writer's lock).
  virtual void TryLead(std::function<void(bool)> done) = 0;
};

struct ConcurrencyManagerOptions {
  ConcurrencyOptions policy;
  int cores = 1;                  // for snapshots' NumberOfCores
  int http_queue_limit = 1000;    // requests waiting per HTTP function, then 429
};

class ConcurrencyManager {
 public:
  // `functions`: every function this host runs; `http` says which of them are HTTP-triggered.
  ConcurrencyManager(Clock& clock, ConcurrencyManagerOptions options,
                     std::unique_ptr<HostHealthMonitor> health,
                     const std::vector<std::pair<std::string, bool>>& functions);
  ~ConcurrencyManager();

  bool dynamic() const { return options_.policy.dynamic_concurrency_enabled; }
  const ConcurrencyOptions& policy() const { return options_.policy; }
  int cores() const { return options_.cores; }

  // Starts health checks (dynamic only) and reads the snapshot when there is a store.
  void Start(ConcurrencySnapshotStore* store);
  void Stop();

  // HTTP: kRunNow (call Started now), kQueued (`start` runs later), kRejected (answer 429).
  // Always kRunNow without dynamic concurrency or for unknown functions.
  RequestGate::Admission AdmitHttp(const std::string& function, std::function<void()> start);
  void LeaveHttp(const std::string& function);

  // Every invocation, HTTP or trigger: counted in flight between these two.
  void Started(const std::string& function);
  void Finished(const std::string& function, Duration took);

  // Queue listeners: how many more messages may start now with `pending` already taken
  // (0 while the host is throttled). -1 without dynamic concurrency: the static limits apply.
  int AvailableInvocations(const std::string& function, int pending) const;

  struct FunctionView {
    std::string name;
    bool http = false;
    int level = 0;  // 0 without dynamic concurrency
    int in_flight = 0;
    int waiting = 0;  // HTTP requests waiting for a slot
  };
  struct View {
    bool dynamic = false;
    HealthObservation health;  // the latest check (unknown before the first)
    std::vector<FunctionView> functions;
    std::optional<std::int64_t> working_set;
  };
  View Describe() const;

  // One health check and one adjustment per function; public for tests (Start schedules it).
  void CheckNow();

 private:
  struct Function {
    std::string name;
    bool http = false;
    FunctionConcurrencyState state;
    int in_flight = 0;
    int max_in_flight = 0;  // since the last check
    CompletedInvocations completed;
    std::unique_ptr<RequestGate> gate;  // HTTP functions with dynamic concurrency
  };
  Function* FindLocked(const std::string& name);
  const Function* FindLocked(const std::string& name) const;
  void ScheduleCheck();
  void ScheduleSnapshot();
  void ReadSnapshot();
  void WriteSnapshotIfChanged();

  Clock& clock_;
  const ConcurrencyManagerOptions options_;
  std::unique_ptr<HostHealthMonitor> health_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ConcurrencySnapshotStore* store_ = nullptr;

  mutable std::mutex mu_;
  std::map<std::string, Function> functions_;
  HealthObservation last_health_;
  bool running_ = false;
  TimerId check_timer_ = kNoTimer;
  TimerId snapshot_timer_ = kNoTimer;
  std::optional<ConcurrencySnapshot> last_written_;
  bool writing_ = false;
};

}  // namespace squall
