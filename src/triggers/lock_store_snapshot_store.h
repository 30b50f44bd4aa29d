// Dynamic concurrency snapshots in the app's storage (the AzureWebJobsStorage connection), where
// Azure's host keeps them: the record "concurrency/<app>/concurrencyStatus.json" (a blob in
// azure-webjobs-hosts on Azure Storage). One writer at a time: the instance holding the lock
// "concurrency/<app>" (taken or renewed for 60 s at each write) writes; every instance reads.
#pragma once

#include <string>

#include "host/concurrency_manager.h"
#include "storage/lock_store.h"

namespace squall {

class LockStoreSnapshotStore final : public ConcurrencySnapshotStore {
 public:
  LockStoreSnapshotStore(LockStore& locks, std::string app_name, std::string owner);

  void Read(std::function<void(StatusOr<std::optional<std::string>>)> done) override;
  void Write(std::string json, std::function<void(Status)> done) override;
  void TryLead(std::function<void(bool)> done) override;

 private:
  LockStore& locks_;
  const std::string key_;
  const std::string lock_;
  const std::string owner_;
};

}  // namespace squall
