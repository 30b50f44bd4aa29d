// The triggers of one host instance: queue listeners, timers, queue outputs and admin runs,
// over the storage each binding's `connection` names. It is the host's TriggerBindings.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "core/clock.h"
#include "core/status.h"
#include "host/function_host.h"
#include "storage/storage.h"
#include "triggers/queue_listener.h"
#include "triggers/trigger_config.h"

namespace squall {

class EventLoop;
class FileChangeWatcher;
class TimerListener;

struct TriggerRuntimeOptions {
  std::string instance_id;  // lease owner of messages and timer locks
  int cores = 1;            // for newBatchThreshold's default
  Duration queue_lease = std::chrono::minutes(10);
};

class TriggerRuntime final : public TriggerBindings {
 public:
  // Reads the bindings and opens their storage. Errors are ConfigIssues (file + field) so the
  // caller reports them like other config errors and exits 2.
  static StatusOr<std::unique_ptr<TriggerRuntime>> Create(EventLoop& loop, Clock& clock,
                                                          const AppConfig& app,
                                                          FunctionHost& host,
                                                          TriggerRuntimeOptions options,
                                                          std::vector<ConfigIssue>* issues);
  ~TriggerRuntime() override;

  // Starts the listeners of the functions `host` runs.
  void Start();
  void Stop();
  // Queue messages taken and not yet settled (deleted, released or poisoned).
  int InFlight() const;

  void WriteOutputs(const FunctionConfig& fn, std::string_view response_json,
                    std::function<void(Status)> done) override;
  Status RunOnce(const FunctionConfig& fn, std::string input) override;

  // Where dynamic concurrency snapshots are kept; nullptr when persistence is off or the
  // storage cannot be opened (logged).
  ConcurrencySnapshotStore* snapshot_store() { return snapshot_store_.get(); }

  const std::vector<std::shared_ptr<QueueListener>>& queue_listeners() const {
    return listeners_;
  }

 private:
  TriggerRuntime(EventLoop& loop, Clock& clock, const AppConfig& app, FunctionHost& host,
                 TriggerRuntimeOptions options);
  // The store of a connection setting, opened on first use; errors name the setting.
  StatusOr<Storage*> StorageFor(const std::string& connection_name);
  bool Runs(const FunctionConfig& fn) const;

  EventLoop& loop_;
  Clock& clock_;
  const AppConfig& app_;
  FunctionHost& host_;
  TriggerRuntimeOptions options_;
  TriggerSpecs specs_;
  std::map<std::string, Storage> storages_;  // by connection setting name
  std::vector<std::shared_ptr<QueueListener>> listeners_;
  std::vector<std::shared_ptr<TimerListener>> timers_;
  std::unique_ptr<FileChangeWatcher> watcher_;
  std::unique_ptr<ConcurrencySnapshotStore> snapshot_store_;
};

}  // namespace squall
