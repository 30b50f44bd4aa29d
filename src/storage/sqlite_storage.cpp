#include "storage/sqlite_storage.h"

#include <memory>

#include "storage/sqlite_lock_store.h"
#include "storage/sqlite_queue_store.h"

namespace squall {

StatusOr<Storage> OpenSqliteStorage(const std::filesystem::path& db_path, EventLoop& loop,
                                    Clock& clock) {
  return OpenSqliteStorage(db_path, loop, clock, SqliteDatabase::Options());
}

StatusOr<Storage> OpenSqliteStorage(const std::filesystem::path& db_path, EventLoop& loop,
                                    Clock& clock, SqliteDatabase::Options options) {
  auto db = SqliteDatabase::Open(db_path, loop, options);
  if (!db.ok()) return db.status();
  std::shared_ptr<SqliteDatabase> shared = std::move(*db);
  Storage storage;
  storage.queues = std::make_unique<SqliteQueueStore>(shared, clock);
  storage.locks = std::make_unique<SqliteLockStore>(shared, clock);
  return storage;
}

}  // namespace squall
