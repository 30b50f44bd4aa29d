// MemorySampleStore on the embedded SQLite file (APP/.squall/storage.db): tables
// memory_samples and memory_reports (sqlite_schema.cpp). Used by the platform whatever storage
// the app's triggers use: samples are the platform's own record, like its keys.
#pragma once

#include <filesystem>
#include <memory>

#include "memory/memory_store.h"
#include "storage/sqlite_database.h"

namespace squall {

class SqliteMemoryStore final : public MemorySampleStore {
 public:
  explicit SqliteMemoryStore(std::shared_ptr<SqliteDatabase> db);
  // Opens (creates) the database file with its own connection and storage thread.
  static StatusOr<std::unique_ptr<SqliteMemoryStore>> Open(const std::filesystem::path& db_path,
                                                           EventLoop& loop);
  // Pending callbacks are dropped.
  ~SqliteMemoryStore() override;

  void Append(std::vector<MemorySample> samples, WallTime now, const MemoryRetention& retention,
              std::function<void(Status)> done) override;
  void Load(std::function<void(StatusOr<std::vector<MemorySample>>)> done) override;
  void MarkReported(const VersionKey& from, const VersionKey& to, WallTime now,
                    std::function<void(StatusOr<bool>)> done) override;

  const SqliteDatabase& database() const { return *db_; }

 private:
  std::shared_ptr<SqliteDatabase> db_;
  // Declared last, destroyed first: jobs hold weak copies and answer only while it lives.
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
};

}  // namespace squall
