// SqliteDatabase: the storage thread, group commit, job isolation in a batch, busy databases.
#include "storage/sqlite_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/simulated_clock.h"
#include "sqlite_test_db.h"
#include "storage/sqlite_queue_store.h"
#include "store_fixture.h"

namespace squall::testing {
namespace {

using ::testing::HasSubstr;

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  std::filesystem::path path() const { return dir_.path() / ".squall" / "storage.db"; }

  std::unique_ptr<SqliteDatabase> Open(SqliteDatabase::Options options = {}) {
    auto db = SqliteDatabase::Open(path(), loop_, options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // A job writing state row `key`, then answering `answer` (or throwing when asked to).
  void WriteState(SqliteDatabase& db, const std::string& key, Status answer,
                  std::vector<Status>& answers, bool throws = false) {
    db.Call<Status>(
        SqliteWrites::kAllOrNothing, alive_,
        [key, answer, throws](SqliteConnection& c) -> Status {
          Status s = c.Prepare("INSERT INTO state(key, value, updated_at) VALUES(?1, 'v', 0)")
                         .Bind(1, key)
                         .Run();
          if (!s.ok()) return s;
          if (throws) throw std::runtime_error("job failed badly");
          return answer;
        },
        [this, &answers](Status s) {
          answers.push_back(s);
          if (answers.size() >= expected_) loop_.Stop();
        });
  }

  // Runs the loop until `n` answers have arrived.
  void AwaitAnswers(const std::vector<Status>& answers, std::size_t n) {
    expected_ = n;
    while (answers.size() < n) RunUntilStopped(loop_);
  }

  TempDir dir_;
  EventLoop loop_;
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
  std::size_t expected_ = 0;
};

TEST_F(SqliteDatabaseTest, DescribesItselfByItsFile) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->Describe(), "embedded storage (" + path().string() + ")");
}

TEST_F(SqliteDatabaseTest, JobsQueuedTogetherShareOneTransaction) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  RawSqlite other(path());
  other.Exec("BEGIN IMMEDIATE");  // the storage thread waits on its first batch meanwhile
  std::vector<Status> answers;
  for (int i = 0; i < 200; ++i) WriteState(*db, "k" + std::to_string(i), Status::Ok(), answers);
  other.Exec("COMMIT");
  AwaitAnswers(answers, 200);
  for (const Status& s : answers) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(db->stats().jobs, 200u);
  EXPECT_LE(db->stats().transactions, 2u);  // the one that waited, then all the others
  EXPECT_EQ(other.Int("SELECT count(*) FROM state"), 200);
}

TEST_F(SqliteDatabaseTest, FailedJobIsUndoneAloneAndTheOthersCommit) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  RawSqlite other(path());
  other.Exec("BEGIN IMMEDIATE");
  std::vector<Status> answers;
  WriteState(*db, "first", Status::Ok(), answers);
  WriteState(*db, "kept", Status::Ok(), answers);
  WriteState(*db, "undone", NotFound("no such thing"), answers);
  WriteState(*db, "thrown", Status::Ok(), answers, /*throws=*/true);
  WriteState(*db, "duplicate", Status::Ok(), answers);
  WriteState(*db, "duplicate", Status::Ok(), answers);  // a constraint error
  WriteState(*db, "last", Status::Ok(), answers);
  other.Exec("COMMIT");
  AwaitAnswers(answers, 7);
  ASSERT_EQ(answers.size(), 7u);
  EXPECT_TRUE(answers[0].ok());
  EXPECT_TRUE(answers[1].ok());
  EXPECT_EQ(answers[2].code(), StatusCode::kNotFound);
  EXPECT_EQ(answers[3].code(), StatusCode::kInternal);
  EXPECT_THAT(answers[3].message(), HasSubstr("job failed badly"));
  EXPECT_TRUE(answers[4].ok());
  EXPECT_FALSE(answers[5].ok());
  EXPECT_THAT(answers[5].message(), HasSubstr(path().string()));
  EXPECT_TRUE(answers[6].ok());
  EXPECT_EQ(other.Int("SELECT count(*) FROM state WHERE key IN ('first', 'kept', 'duplicate', "
                      "'last')"),
            4);
  EXPECT_EQ(other.Int("SELECT count(*) FROM state WHERE key IN ('undone', 'thrown')"), 0);
}

TEST_F(SqliteDatabaseTest, ThrowingCallbackDoesNotLoseTheOtherAnswers) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  std::vector<Status> answers;
  db->Call<Status>(
      SqliteWrites::kNone, alive_, [](SqliteConnection&) { return Status::Ok(); },
      [](Status) { throw std::runtime_error("callback failed"); });
  WriteState(*db, "after", Status::Ok(), answers);
  AwaitAnswers(answers, 1);
  EXPECT_TRUE(answers[0].ok());
}

TEST_F(SqliteDatabaseTest, BusyDatabaseDoesNotStallTheLoop) {
  // Short waits, many attempts: the storage thread keeps meeting the lock while the loop runs.
  auto db = std::shared_ptr<SqliteDatabase>(Open({.busy_timeout_ms = 1, .begin_attempts = 100000}));
  ASSERT_NE(db, nullptr);
  SimulatedClock clock;
  SqliteQueueStore store(db, clock);
  RawSqlite other(path());
  other.Exec("BEGIN IMMEDIATE");

  bool put_done = false;
  int loop_turns = 0;
  store.Put("q-busy", "m", Duration::zero(), Duration::zero(), [&](StatusOr<QueueMessage> m) {
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    put_done = true;
    loop_.Stop();
  });
  // The loop keeps turning while the put waits for the lock; it lets go once the storage
  // thread has met the busy database twice.
  std::function<void()> turn = [&] {
    ++loop_turns;
    EXPECT_FALSE(put_done);
    if (db->stats().busy_retries >= 2) {
      other.Exec("COMMIT");
      return;
    }
    loop_.Post(turn);
  };
  loop_.Post(turn);
  RunUntilStopped(loop_);
  EXPECT_TRUE(put_done);
  EXPECT_GT(loop_turns, 1);
  EXPECT_GE(db->stats().busy_retries, 2u);
}

TEST_F(SqliteDatabaseTest, DatabaseLockedTooLongFailsTheCallWithUnavailable) {
  auto db = std::shared_ptr<SqliteDatabase>(Open({.busy_timeout_ms = 1, .begin_attempts = 2}));
  ASSERT_NE(db, nullptr);
  SimulatedClock clock;
  SqliteQueueStore store(db, clock);
  SyncQueue queue(loop_, store);
  RawSqlite other(path());
  other.Exec("BEGIN IMMEDIATE");
  auto put = queue.Put("q-locked", "m");
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(put.status().message(), HasSubstr(path().string()));
  EXPECT_THAT(put.status().message(), HasSubstr("another process"));
  other.Exec("COMMIT");
  EXPECT_TRUE(queue.Put("q-locked", "m").ok());  // and it recovers
}

TEST_F(SqliteDatabaseTest, ReadOnlyBatchesTakeNoWriterLock) {
  auto db = std::shared_ptr<SqliteDatabase>(Open({.busy_timeout_ms = 1, .begin_attempts = 1}));
  ASSERT_NE(db, nullptr);
  SimulatedClock clock;
  SqliteQueueStore store(db, clock);
  SyncQueue queue(loop_, store);
  ASSERT_TRUE(queue.Put("q-read", "m").ok());
  RawSqlite other(path());
  other.Exec("BEGIN IMMEDIATE");
  auto peeked = queue.Peek("q-read", 1);
  ASSERT_TRUE(peeked.ok()) << peeked.status().ToString();
  EXPECT_EQ(peeked->size(), 1u);
  other.Exec("COMMIT");
}

}  // namespace
}  // namespace squall::testing
