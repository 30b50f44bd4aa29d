// The embedded store's tables, created on first open by whichever process gets there first.
#pragma once

#include "core/status.h"

namespace squall {

class SqliteConnection;

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kSqliteSchemaVersion = 1;

// Creates the tables when missing; refuses a file written by a newer schema version.
Status EnsureSqliteSchema(SqliteConnection& db);

}  // namespace squall
