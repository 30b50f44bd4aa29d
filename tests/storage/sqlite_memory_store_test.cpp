// SqliteMemoryStore: samples round-trip, retention (age, per key, total), reports once.
#include "storage/sqlite_memory_store.h"

#include <gtest/gtest.h>

#include "sqlite_test_db.h"
#include "store_fixture.h"

namespace squall::testing {
namespace {

WallTime T(int seconds) {
  return WallTime{} + std::chrono::hours(24 * 365 * 54) + std::chrono::seconds(seconds);
}

MemorySample Sample(const std::string& version, int at_seconds, std::int64_t worker_pss = 50) {
  MemorySample m;
  m.at = T(at_seconds);
  m.instance = "i-1";
  m.key = {version, "c0ffee"};
  m.host = {100, 40, 1};
  m.worker = {200, worker_pss, 2};
  m.cgroup_bytes = 300;
  m.instance_age = std::chrono::seconds(at_seconds);
  m.steady = at_seconds >= 30;
  return m;
}

class SqliteMemoryStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path path() const { return dir_.path() / ".squall" / "storage.db"; }
  void SetUp() override {
    auto store = SqliteMemoryStore::Open(path(), loop_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  Status Append(std::vector<MemorySample> samples, WallTime now, MemoryRetention r = {}) {
    return Await<Status>(loop_, [&](auto done) { store_->Append(samples, now, r, done); });
  }
  std::vector<MemorySample> Load() {
    auto loaded =
        Await<StatusOr<std::vector<MemorySample>>>(loop_, [&](auto done) { store_->Load(done); });
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? *loaded : std::vector<MemorySample>{};
  }

  TempDir dir_;
  EventLoop loop_;
  std::unique_ptr<SqliteMemoryStore> store_;
};

TEST_F(SqliteMemoryStoreTest, SamplesRoundTripOldestFirst) {
  ASSERT_TRUE(Append({Sample("1.0.0", 10), Sample("1.0.0", 40, 77)}, T(40)).ok());
  auto all = Load();
  ASSERT_EQ(all.size(), 2u);
  const MemorySample& m = all[1];
  EXPECT_EQ(m.at, T(40));
  EXPECT_EQ(m.instance, "i-1");
  EXPECT_EQ(m.key, (VersionKey{"1.0.0", "c0ffee"}));
  EXPECT_EQ(m.host.rss, 100);
  EXPECT_EQ(m.host.pss, 40);
  EXPECT_EQ(m.host.processes, 1);
  EXPECT_EQ(m.worker.rss, 200);
  EXPECT_EQ(m.worker.pss, 77);
  EXPECT_EQ(m.worker.processes, 2);
  EXPECT_EQ(m.cgroup_bytes, 300);
  EXPECT_EQ(m.instance_age, std::chrono::seconds(40));
  EXPECT_TRUE(m.steady);
  EXPECT_FALSE(all[0].steady);
}

TEST_F(SqliteMemoryStoreTest, RetentionDropsOldSamplesThenPerKeyThenInTotal) {
  MemoryRetention r;
  r.max_age = std::chrono::seconds(100);
  r.max_per_key = 3;
  r.max_total = 5;
  std::vector<MemorySample> batch;
  for (int k = 0; k < 5; ++k) batch.push_back(Sample("a", k * 10));
  ASSERT_TRUE(Append(batch, T(40), r).ok());
  auto all = Load();
  ASSERT_EQ(all.size(), 3u);  // per key: the newest 3
  EXPECT_EQ(all[0].at, T(20));

  ASSERT_TRUE(Append({Sample("b", 50), Sample("b", 60), Sample("b", 70)}, T(70), r).ok());
  all = Load();
  ASSERT_EQ(all.size(), 5u);  // in total: 5, oldest of "a" gone
  EXPECT_EQ(all[0].at, T(30));

  ASSERT_TRUE(Append({Sample("c", 200)}, T(200), r).ok());  // everything before 100 s ages out
  all = Load();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key.host_version, "c");
}

TEST_F(SqliteMemoryStoreTest, AStepIsReportedOnceAcrossStoresOfTheSameFile) {
  VersionKey a{"1.0.0", "c"}, b{"2.0.0", "c"};
  auto mark = [&](SqliteMemoryStore& s) {
    return Await<StatusOr<bool>>(loop_, [&](auto done) { s.MarkReported(a, b, T(1), done); });
  };
  auto first = mark(*store_);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*mark(*store_));
  auto other = SqliteMemoryStore::Open(path(), loop_);  // another run of the platform
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*mark(**other));
  auto reverse =
      Await<StatusOr<bool>>(loop_, [&](auto done) { store_->MarkReported(b, a, T(2), done); });
  EXPECT_TRUE(*reverse);
}

TEST_F(SqliteMemoryStoreTest, TheTablesLeaveTheSchemaVersionAlone) {
  // Older builds (installed side by side) refuse a newer schema version: adding tables must
  // not bump it.
  RawSqlite raw(path());
  EXPECT_EQ(raw.Int("PRAGMA user_version"), 1);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE name = 'memory_samples'"), 1);
}

}  // namespace
}  // namespace squall::testing
