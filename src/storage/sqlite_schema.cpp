#include "storage/sqlite_schema.h"

#include <fmt/format.h>

#include "storage/sqlite_connection.h"

namespace squall {
namespace {

// Times are nanoseconds since the Unix epoch (wall time: every process of the app shares it).
// memory_samples/memory_reports (memory tracking, storage/sqlite_memory_store.h) were added
// without a version bump on purpose: new tables are invisible to older builds, and older host
// builds installed side by side (`squall versions`) must still open the file. memory_samples
// is a rowid table (seq: insertion order); memory_samples_by_key is (host_version,
// content_hash, seq), what the per-key retention walks.
// messages.seq orders a queue oldest first; it is the rowid, so messages_by_queue is
// (queue, seq). messages_by_expiry serves the expiry sweep and is covering for Length.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  pop_receipt TEXT NOT NULL,
  text TEXT NOT NULL,
  dequeue_count INTEGER NOT NULL,
  inserted_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  lease_owner TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages(queue);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_id ON messages(id);
CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages(expires_at, queue);
CREATE TABLE IF NOT EXISTS owners(
  owner TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  registered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks(
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS memory_samples(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  instance TEXT NOT NULL,
  host_version TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  host_rss INTEGER NOT NULL,
  host_pss INTEGER NOT NULL,
  host_processes INTEGER NOT NULL,
  worker_rss INTEGER NOT NULL,
  worker_pss INTEGER NOT NULL,
  worker_processes INTEGER NOT NULL,
  cgroup_bytes INTEGER NOT NULL,
  instance_age INTEGER NOT NULL,
  steady INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS memory_samples_by_key ON memory_samples(host_version, content_hash);
CREATE INDEX IF NOT EXISTS memory_samples_by_time ON memory_samples(at);
CREATE TABLE IF NOT EXISTS memory_reports(
  from_version TEXT NOT NULL,
  from_content TEXT NOT NULL,
  to_version TEXT NOT NULL,
  to_content TEXT NOT NULL,
  reported_at INTEGER NOT NULL,
  PRIMARY KEY(from_version, from_content, to_version, to_content)
) WITHOUT ROWID;
)sql";

Status CreateTables(SqliteConnection& db) {
  SqliteStatement version = db.Prepare("PRAGMA user_version");
  std::int64_t found = version.Step() ? version.Int(0) : 0;
  if (!version.ok()) return version.status();
  if (found > kSqliteSchemaVersion) {
    return FailedPrecondition(fmt::format(
        "embedded storage {}: written by a newer squall (schema version {}, this one knows {})",
        db.path().string(), found, kSqliteSchemaVersion));
  }
  if (Status s = db.Exec(kSchema); !s.ok()) return s;
  return db.Exec("PRAGMA user_version=1");
}

}  // namespace

Status EnsureSqliteSchema(SqliteConnection& db) {
  // IMMEDIATE: two processes creating the file at once take turns (busy_timeout).
  if (Status s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status s = CreateTables(db);
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok() && db.InTransaction()) db.Exec("ROLLBACK");
  return s;
}

}  // namespace squall
