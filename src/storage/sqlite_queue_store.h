// QueueStore on the embedded SQLite file (SqliteDatabase): Azure Queue semantics with wall-clock
// times from the injected Clock, since several processes share the file. Every call's time
// is read on the loop when the call is made; the SQL runs on the storage thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "storage/queue_store.h"
#include "storage/sqlite_database.h"

namespace squall {

class SqliteQueueStore final : public QueueStore {
 public:
  SqliteQueueStore(std::shared_ptr<SqliteDatabase> db, Clock& clock);
  // Pending callbacks are dropped; the database stays open while the lock store uses it.
  ~SqliteQueueStore() override;

  std::string Describe() const override;
  void CreateQueue(const std::string& queue, Callback<Status> done) override;
  void Put(const std::string& queue, std::string text, Duration initial_visibility,
           Duration time_to_live, Callback<StatusOr<QueueMessage>> done) override;
  void Get(const std::string& queue, int max_messages, Duration visibility,
           const std::string& lease_owner,
           Callback<StatusOr<std::vector<QueueMessage>>> done) override;
  void Peek(const std::string& queue, int max_messages,
            Callback<StatusOr<std::vector<QueueMessage>>> done) override;
  void Delete(const std::string& queue, const std::string& id, const std::string& pop_receipt,
              Callback<Status> done) override;
  void UpdateVisibility(const std::string& queue, const std::string& id,
                        const std::string& pop_receipt, Duration visibility,
                        Callback<StatusOr<QueueMessage>> done) override;
  void Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) override;
  void Clear(const std::string& queue, Callback<Status> done) override;
  void ReleaseLeases(const std::string& lease_owner,
                     Callback<StatusOr<std::int64_t>> done) override;
  void ListQueues(Callback<StatusOr<std::vector<std::string>>> done) override;

  // For the platform and instances at start-up: ReleaseLeases for every lease owner whose
  // process (recorded at its first Get: pid, start time, boot id) no longer runs, and forgets
  // those owners. Answers how many messages became visible. Overrides
  // QueueStore::ReleaseLeasesOfDeadOwners.
  void ReleaseLeasesOfDeadOwners(Callback<StatusOr<std::int64_t>> done) override;

  struct DeadOwners {
    std::vector<std::string> owners;  // lease owners whose process no longer runs
    std::int64_t messages = 0;        // their invisible messages, now visible
  };
  // The same, naming the owners (for logs).
  void ReleaseDeadOwners(Callback<StatusOr<DeadOwners>> done);

  SqliteDatabase& database() { return *db_; }

 private:
  struct Shared;  // state of the storage thread's jobs

  template <typename R>
  void Call(SqliteWrites writes, typename SqliteCall<R>::Work work, Callback<R> done,
            SqliteCommit commit = {});
  template <typename R>
  void Refuse(Callback<R> done, const Status& error);

  std::shared_ptr<SqliteDatabase> db_;
  Clock& clock_;
  std::shared_ptr<Shared> shared_;
  // Declared last, destroyed first: jobs hold weak copies and answer only while it lives.
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
};

}  // namespace squall
