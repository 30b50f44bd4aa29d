#include "triggers/lock_store_snapshot_store.h"

#include "core/log.h"

namespace squall {

LockStoreSnapshotStore::LockStoreSnapshotStore(LockStore& locks, std::string app_name,
                                               std::string owner)
    : locks_(locks), key_("concurrency/" + app_name + "/concurrencyStatus.json"),
      lock_("concurrency/" + app_name), owner_(std::move(owner)) {}

void LockStoreSnapshotStore::Read(
    std::function<void(StatusOr<std::optional<std::string>>)> done) {
  locks_.ReadState(key_, std::move(done));
}

void LockStoreSnapshotStore::Write(std::string json, std::function<void(Status)> done) {
  locks_.WriteState(key_, std::move(json), std::move(done));
}

void LockStoreSnapshotStore::TryLead(std::function<void(bool)> done) {
  // 60 s, Azure's longest blob lease: the writer is renewed every 10 s while levels change and
  // another instance takes over within a minute of it stopping.
  locks_.TryAcquire(lock_, owner_, std::chrono::seconds(60),
                    [done = std::move(done), lock = lock_](StatusOr<bool> held) {
                      if (!held.ok()) {
                        LogWarn("Host.Concurrency", "cannot take the snapshot lock '{}': {}", lock,
                                held.status().message());
                        return done(false);
                      }
                      done(*held);
                    });
}

}  // namespace squall
