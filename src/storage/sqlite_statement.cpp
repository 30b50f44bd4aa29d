#include "storage/sqlite_statement.h"

#include <sqlite3.h>

#include "storage/sqlite_connection.h"

namespace squall {

SqliteStatement::SqliteStatement(const SqliteConnection& db, sqlite3_stmt* stmt, Status error)
    : db_(db), stmt_(stmt), status_(std::move(error)) {}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::Check(int rc, const char* what) {
  if (rc != SQLITE_OK && status_.ok()) status_ = db_.Error(rc, what);
}

SqliteStatement& SqliteStatement::Bind(int index, std::int64_t value) {
  if (ok()) Check(sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  if (ok()) {
    Check(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "bind");
  }
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  if (ok()) Check(sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

bool SqliteStatement::Step() {
  if (!ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) Check(rc, sqlite3_sql(stmt_));
  return false;
}

Status SqliteStatement::Run() {
  while (Step()) {
  }
  return status_;
}

std::int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  // text before bytes: SQLite's documented order for a stable length.
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace squall
