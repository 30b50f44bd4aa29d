// One SQLite connection to the embedded store's file, with its prepared statements cached.
// Not thread-safe: after Open it belongs to one thread (SqliteDatabase's storage thread).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "storage/sqlite_statement.h"

struct sqlite3;
struct sqlite3_stmt;

namespace squall {

class SqliteConnection {
 public:
  // Opens (creates) the file in WAL mode with synchronous=FULL; a busy database is waited for
  // `busy_timeout_ms` per attempt. Errors name the file.
  static StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& path,
                                                          int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Runs statements that return no rows (pragmas, BEGIN/COMMIT, schema).
  Status Exec(const char* sql);
  // `sql` must be a string literal: its address keys the statement cache.
  SqliteStatement Prepare(const char* sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t Changes() const;
  // false once SQLite has rolled the open transaction back on its own (I/O error, disk full).
  bool InTransaction() const;

  // A Status for SQLite result code `rc` naming the file and what was being done; the code
  // tells a busy database (kUnavailable) from a full disk, a bad file or a bug.
  Status Error(int rc, std::string_view what) const;

 private:
  SqliteConnection(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::filesystem::path path_;
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace squall
