// LockStore on the embedded SQLite file: the tables `locks` (a lease per name, with its owner
// and wall-clock expiry) and `state` (small records by key). Times come from the injected
// Clock's wall time, read on the loop when the call is made.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "storage/lock_store.h"
#include "storage/sqlite_database.h"

namespace squall {

class SqliteLockStore final : public LockStore {
 public:
  SqliteLockStore(std::shared_ptr<SqliteDatabase> db, Clock& clock);
  // Pending callbacks are dropped; the database stays open while the queue store uses it.
  ~SqliteLockStore() override;

  void TryAcquire(const std::string& name, const std::string& owner, Duration duration,
                  Callback<StatusOr<bool>> done) override;
  void Release(const std::string& name, const std::string& owner, Callback<Status> done) override;
  void ReadState(const std::string& key,
                 Callback<StatusOr<std::optional<std::string>>> done) override;
  void WriteState(const std::string& key, std::string value, Callback<Status> done) override;

 private:
  template <typename R>
  void Refuse(Callback<R> done, const Status& error) {
    db_->Answer<R>(alive_, std::move(done), error);
  }

  std::shared_ptr<SqliteDatabase> db_;
  Clock& clock_;
  // Declared last, destroyed first: jobs hold weak copies and answer only while it lives.
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
};

}  // namespace squall
