// The embedded storage (the default of every app): a SqliteQueueStore and a SqliteLockStore
// sharing one SqliteDatabase (one connection and its storage thread) on the file every
// process of the app opens, APP/.squall/storage.db.
#pragma once

#include <filesystem>

#include "core/status.h"
#include "storage/sqlite_database.h"
#include "storage/storage.h"

namespace squall {

class EventLoop;
class Clock;

// Creates the folder (mode 0700) and the file when missing. Errors (a folder that cannot be
// made, a file that is not a database, a read-only file) name the file. The stores call back
// on `loop`; `clock` (its wall time) stamps messages and locks and must outlive the stores.
StatusOr<Storage> OpenSqliteStorage(const std::filesystem::path& db_path, EventLoop& loop,
                                    Clock& clock);
StatusOr<Storage> OpenSqliteStorage(const std::filesystem::path& db_path, EventLoop& loop,
                                    Clock& clock, SqliteDatabase::Options options);

}  // namespace squall
