#include "storage/sqlite_connection.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <mutex>

namespace squall {
namespace {

// Before SQLite's first use in the process: no global allocation statistics, whose mutex every
// malloc of every statement would take (a sixth of the storage thread's time in the benchmark).
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::filesystem::path& path, int busy_timeout_ms) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (db == nullptr) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("embedded storage {}: out of memory opening it", path.string()));
  }
  // Owns `db` from here on, also on failure (sqlite3_close must run either way).
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(path, db));
  if (rc != SQLITE_OK) return conn->Error(rc, "cannot open the database file");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // SQLite silently falls back to read-only for a write-protected file: refuse instead.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return Status(
        StatusCode::kPermissionDenied,
        fmt::format("embedded storage {}: the database file is read-only", path.string()));
  }
  {
    // The first statement reads the header: a file that is not a database fails here.
    SqliteStatement wal = conn->Prepare("PRAGMA journal_mode=WAL");
    std::string mode = wal.Step() ? wal.Text(0) : "";
    if (!wal.ok()) return wal.status();
    if (mode != "wal") {
      return FailedPrecondition(fmt::format(
          "embedded storage {}: cannot switch to write-ahead logging (journal mode is '{}')",
          path.string(), mode));
    }
  }
  // FULL: every commit fsyncs the log, so an acknowledged write survives a power loss.
  // journal_size_limit: the log is truncated back to 64 MB after a checkpoint.
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA journal_size_limit=67108864",
                             "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-16384"}) {
    if (Status s = conn->Exec(pragma); !s.ok()) return s;
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, sql);
}

SqliteStatement SqliteConnection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return SqliteStatement(*this, it->second, Status::Ok());
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatement(*this, nullptr, Error(rc, sql));
  }
  statements_.emplace(sql, stmt);
  return SqliteStatement(*this, stmt, Status::Ok());
}

std::int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status SqliteConnection::Error(int rc, std::string_view what) const {
  std::string message =
      fmt::format("embedded storage {}: {}: {}", path_.string(), what, sqlite3_errmsg(db_));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(message + " (another process holds the database)");
    case SQLITE_FULL:
      return Status(StatusCode::kResourceExhausted, message);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Status(StatusCode::kPermissionDenied, message);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return FailedPrecondition(message + " (not a SQLite database, or damaged)");
    case SQLITE_IOERR:
      return Unavailable(message);
    default:
      return Internal(message);
  }
}

}  // namespace squall
