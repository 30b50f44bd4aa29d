#include "storage/sqlite_memory_store.h"

#include <set>

namespace squall {

namespace {

std::int64_t Nanos(WallTime t) { return t.time_since_epoch().count(); }

// Retention after an append: by age, then per key (for the keys just written), then in total.
// Each DELETE finds its cut with one index walk (OFFSET n from the newest).
Status Prune(SqliteConnection& db, WallTime now, const MemoryRetention& r,
             const std::set<VersionKey>& keys) {
  Status s = db.Prepare("DELETE FROM memory_samples WHERE at < ?1")
                 .Bind(1, Nanos(now) - r.max_age.count())
                 .Run();
  if (!s.ok()) return s;
  for (const auto& key : keys) {
    s = db.Prepare(
              "DELETE FROM memory_samples WHERE host_version = ?1 AND content_hash = ?2 AND "
              "seq <= (SELECT seq FROM memory_samples WHERE host_version = ?1 AND "
              "content_hash = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)")
            .Bind(1, key.host_version)
            .Bind(2, key.content_hash)
            .Bind(3, r.max_per_key)
            .Run();
    if (!s.ok()) return s;
  }
  return db
      .Prepare(
          "DELETE FROM memory_samples WHERE seq <= (SELECT seq FROM memory_samples "
          "ORDER BY seq DESC LIMIT 1 OFFSET ?1)")
      .Bind(1, r.max_total)
      .Run();
}

}  // namespace

SqliteMemoryStore::SqliteMemoryStore(std::shared_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

SqliteMemoryStore::~SqliteMemoryStore() = default;

StatusOr<std::unique_ptr<SqliteMemoryStore>> SqliteMemoryStore::Open(
    const std::filesystem::path& db_path, EventLoop& loop) {
  auto db = SqliteDatabase::Open(db_path, loop);
  if (!db.ok()) return db.status();
  return std::make_unique<SqliteMemoryStore>(std::shared_ptr<SqliteDatabase>(std::move(*db)));
}

void SqliteMemoryStore::Append(std::vector<MemorySample> samples, WallTime now,
                               const MemoryRetention& retention, std::function<void(Status)> done) {
  db_->Call<Status>(
      SqliteWrites::kAllOrNothing, alive_,
      [samples = std::move(samples), now, retention](SqliteConnection& db) -> Status {
        std::set<VersionKey> keys;
        for (const auto& m : samples) {
          Status s = db.Prepare(
                           "INSERT INTO memory_samples(at, instance, host_version, content_hash, "
                           "host_rss, host_pss, host_processes, worker_rss, worker_pss, "
                           "worker_processes, cgroup_bytes, instance_age, steady) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
                         .Bind(1, Nanos(m.at))
                         .Bind(2, m.instance)
                         .Bind(3, m.key.host_version)
                         .Bind(4, m.key.content_hash)
                         .Bind(5, m.host.rss)
                         .Bind(6, m.host.pss)
                         .Bind(7, std::int64_t{m.host.processes})
                         .Bind(8, m.worker.rss)
                         .Bind(9, m.worker.pss)
                         .Bind(10, std::int64_t{m.worker.processes})
                         .Bind(11, m.cgroup_bytes)
                         .Bind(12, static_cast<std::int64_t>(m.instance_age.count()))
                         .Bind(13, std::int64_t{m.steady ? 1 : 0})
                         .Run();
          if (!s.ok()) return s;
          keys.insert(m.key);
        }
        return Prune(db, now, retention, keys);
      },
      std::move(done), kRelaxedCommit);  // samples are not precious: a power loss may undo one
}

void SqliteMemoryStore::Load(std::function<void(StatusOr<std::vector<MemorySample>>)> done) {
  using R = StatusOr<std::vector<MemorySample>>;
  db_->Call<R>(
      SqliteWrites::kNone, alive_,
      [](SqliteConnection& db) -> R {
        SqliteStatement q = db.Prepare(
            "SELECT at, instance, host_version, content_hash, host_rss, host_pss, "
            "host_processes, worker_rss, worker_pss, worker_processes, cgroup_bytes, "
            "instance_age, steady FROM memory_samples ORDER BY seq");
        std::vector<MemorySample> out;
        while (q.Step()) {
          MemorySample m;
          m.at = WallTime(Duration(q.Int(0)));
          m.instance = q.Text(1);
          m.key = {q.Text(2), q.Text(3)};
          m.host = {q.Int(4), q.Int(5), static_cast<int>(q.Int(6))};
          m.worker = {q.Int(7), q.Int(8), static_cast<int>(q.Int(9))};
          m.cgroup_bytes = q.Int(10);
          m.instance_age = Duration(q.Int(11));
          m.steady = q.Int(12) != 0;
          out.push_back(std::move(m));
        }
        if (!q.ok()) return q.status();
        return out;
      },
      std::move(done));
}

void SqliteMemoryStore::MarkReported(const VersionKey& from, const VersionKey& to, WallTime now,
                                     std::function<void(StatusOr<bool>)> done) {
  using R = StatusOr<bool>;
  db_->Call<R>(
      SqliteWrites::kOneStatement, alive_,
      [from, to, now](SqliteConnection& db) -> R {
        Status s = db.Prepare(
                         "INSERT OR IGNORE INTO memory_reports(from_version, from_content, "
                         "to_version, to_content, reported_at) VALUES(?1, ?2, ?3, ?4, ?5)")
                       .Bind(1, from.host_version)
                       .Bind(2, from.content_hash)
                       .Bind(3, to.host_version)
                       .Bind(4, to.content_hash)
                       .Bind(5, Nanos(now))
                       .Run();
        if (!s.ok()) return s;
        return db.Changes() == 1;
      },
      std::move(done));
}

}  // namespace squall
