// Singleton locks and small state records, for the timer trigger: one instance at a time runs a
// timer's schedule (a lock every instance tries to take), and the schedule status (last and
// next occurrence) outlives restarts. SqliteLockStore (embedded) keeps them in tables;
// AzureLockStore uses blob leases and blobs in the container "azure-webjobs-hosts", as Azure's
// host does ("locks/<hostId>/<name>", "timers/<hostId>/<name>/status").
//
// Asynchronous like QueueStore: `done` runs once on the store's EventLoop.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

class LockStore {
 public:
  template <typename T>
  using Callback = std::function<void(T)>;

  virtual ~LockStore() = default;

  // Takes the lock `name` for `owner`, or renews it when `owner` holds it already, for
  // `duration` (15..60 s as Azure's blob leases). true = `owner` holds it now; false = another
  // owner holds an unexpired lease.
  virtual void TryAcquire(const std::string& name, const std::string& owner, Duration duration,
                          Callback<StatusOr<bool>> done) = 0;
  // Gives the lock up when `owner` holds it (no-op otherwise).
  virtual void Release(const std::string& name, const std::string& owner,
                       Callback<Status> done) = 0;

  // A small record by key (e.g. "timers/<app>/<Function>/status"); nullopt when never written.
  virtual void ReadState(const std::string& key,
                         Callback<StatusOr<std::optional<std::string>>> done) = 0;
  virtual void WriteState(const std::string& key, std::string value, Callback<Status> done) = 0;
};

}  // namespace squall
