#include "storage/sqlite_lock_store.h"

#include <fmt/format.h>

#include <chrono>

namespace squall {
namespace {

// Azure's blob lease bounds, so that a timer behaves the same on either store.
constexpr auto kMinLease = std::chrono::seconds(15);
constexpr auto kMaxLease = std::chrono::seconds(60);

std::int64_t Nanos(WallTime t) { return t.time_since_epoch().count(); }

Status NameStatus(const char* what, const std::string& name) {
  if (!name.empty()) return Status::Ok();
  return InvalidArgument(fmt::format("a {} is not empty", what));
}

}  // namespace

SqliteLockStore::SqliteLockStore(std::shared_ptr<SqliteDatabase> db, Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

SqliteLockStore::~SqliteLockStore() = default;

void SqliteLockStore::TryAcquire(const std::string& name, const std::string& owner,
                                 Duration duration, Callback<StatusOr<bool>> done) {
  using R = StatusOr<bool>;
  if (Status s = NameStatus("lock name", name); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = NameStatus("lock owner", owner); !s.ok()) return Refuse<R>(std::move(done), s);
  if (duration < kMinLease || duration > kMaxLease) {
    return Refuse<R>(std::move(done), InvalidArgument(fmt::format(
                                          "a lock lasts 15 to 60 s (Azure's blob leases), not {} s",
                                          std::chrono::duration<double>(duration).count())));
  }
  std::int64_t now = Nanos(clock_.WallNow());
  db_->Call<R>(
      SqliteWrites::kOneStatement, alive_,
      [name, owner, now, until = now + duration.count()](SqliteConnection& db) -> R {
        // Taken when free, expired, or already ours (a renewal); else untouched.
        Status s = db.Prepare(
                         "INSERT INTO locks(name, owner, expires_at) VALUES(?1, ?2, ?3) "
                         "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, "
                         "expires_at = excluded.expires_at "
                         "WHERE locks.owner = excluded.owner OR locks.expires_at <= ?4")
                       .Bind(1, name)
                       .Bind(2, owner)
                       .Bind(3, until)
                       .Bind(4, now)
                       .Run();
        if (!s.ok()) return s;
        return db.Changes() == 1;
      },
      std::move(done));
}

void SqliteLockStore::Release(const std::string& name, const std::string& owner,
                              Callback<Status> done) {
  if (Status s = NameStatus("lock name", name); !s.ok()) return Refuse<Status>(std::move(done), s);
  db_->Call<Status>(
      SqliteWrites::kOneStatement, alive_,
      [name, owner](SqliteConnection& db) -> Status {
        return db.Prepare("DELETE FROM locks WHERE name = ?1 AND owner = ?2")
            .Bind(1, name)
            .Bind(2, owner)
            .Run();
      },
      std::move(done));
}

void SqliteLockStore::ReadState(const std::string& key,
                                Callback<StatusOr<std::optional<std::string>>> done) {
  using R = StatusOr<std::optional<std::string>>;
  if (Status s = NameStatus("state key", key); !s.ok()) return Refuse<R>(std::move(done), s);
  db_->Call<R>(
      SqliteWrites::kNone, alive_,
      [key](SqliteConnection& db) -> R {
        SqliteStatement read = db.Prepare("SELECT value FROM state WHERE key = ?1");
        read.Bind(1, key);
        std::optional<std::string> value;
        if (read.Step()) value = read.Text(0);
        if (!read.ok()) return read.status();
        return value;
      },
      std::move(done));
}

void SqliteLockStore::WriteState(const std::string& key, std::string value, Callback<Status> done) {
  if (Status s = NameStatus("state key", key); !s.ok()) return Refuse<Status>(std::move(done), s);
  std::int64_t now = Nanos(clock_.WallNow());
  db_->Call<Status>(
      SqliteWrites::kOneStatement, alive_,
      [key, value = std::move(value), now](SqliteConnection& db) -> Status {
        return db
            .Prepare(
                "INSERT INTO state(key, value, updated_at) VALUES(?1, ?2, ?3) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at")
            .Bind(1, key)
            .Bind(2, value)
            .Bind(3, now)
            .Run();
      },
      std::move(done));
}

}  // namespace squall
