// A borrowed, cached SQLite prepared statement for one use: bind, step, read columns. The
// destructor resets it so the connection's cache can hand it out again. The first error
// (prepare, bind or step) is kept in status() and names the database file; later calls are
// no-ops, so a sequence of binds needs one check at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace squall {

class SqliteConnection;

class SqliteStatement {
 public:
  // `stmt` null means preparing failed and `error` says why.
  SqliteStatement(const SqliteConnection& db, sqlite3_stmt* stmt, Status error);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as SQLite numbers them.
  SqliteStatement& Bind(int index, std::int64_t value);
  // The bytes are copied only if SQLite needs them after the step (SQLITE_TRANSIENT).
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& BindNull(int index);

  // true when a row is ready; false when done or failed (see status()).
  bool Step();
  // Steps to the end, ignoring rows.
  Status Run();

  // Columns are 0-based, as SQLite numbers them.
  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

 private:
  void Check(int rc, const char* what);

  const SqliteConnection& db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

}  // namespace squall
