// The embedded queue store beyond the shared contract: several processes on one file,
// durability, lease release, lazy expiry, lifetime.
#include "storage/sqlite_queue_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include "core/simulated_clock.h"
#include "sqlite_test_db.h"
#include "storage/sqlite_storage.h"
#include "store_fixture.h"

namespace squall::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr Duration kLong = seconds(600);

// One "process" of the app: its own connection and storage thread on the shared file.
struct Process {
  Process(const std::filesystem::path& path, EventLoop& loop, Clock& clock) {
    auto opened = OpenSqliteStorage(path, loop, clock);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) storage = std::move(*opened);
  }
  QueueStore& queues() { return *storage.queues; }
  Storage storage;
};

class SqliteQueueStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path path() const { return dir_.path() / ".squall" / "storage.db"; }

  TempDir dir_;
  EventLoop loop_;
  SimulatedClock clock_;
};

TEST_F(SqliteQueueStoreTest, TwoProcessesSeeEachOthersMessages) {
  Process a(path(), loop_, clock_);
  Process b(path(), loop_, clock_);
  SyncQueue qa(loop_, a.queues());
  SyncQueue qb(loop_, b.queues());
  ASSERT_TRUE(qa.Put("work", "from a").ok());
  auto got = qb.Get("work", 32, kLong, "instance-b");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, "from a");
  EXPECT_EQ(*qa.Length("work"), 1);
  ASSERT_TRUE(qb.Delete("work", got->front()).ok());
  EXPECT_EQ(*qa.Length("work"), 0);
}

TEST_F(SqliteQueueStoreTest, CommitsThatMakeWorkVisibleTouchTheChangeSignal) {
  // Listeners of every process watch this file; takes and deletes must not touch it (they
  // happen thousands of times a second), puts and releases must.
  const std::filesystem::path signal = EmbeddedChangeSignalPathFor(path());
  Process a(path(), loop_, clock_);
  SyncQueue q(loop_, a.queues());
  ASSERT_TRUE(q.Put("work", "x").ok());
  ASSERT_TRUE(std::filesystem::exists(signal));
  std::filesystem::remove(signal);
  Process b(path(), loop_, clock_);  // a fresh connection: opens the signal anew when it needs it
  SyncQueue qb(loop_, b.queues());
  auto got = qb.Get("work", 32, kLong, "instance-b");
  ASSERT_TRUE(got.ok() && got->size() == 1u);
  ASSERT_TRUE(qb.Delete("work", got->front()).ok());
  EXPECT_FALSE(std::filesystem::exists(signal)) << "a take or delete touched the signal";
  ASSERT_TRUE(qb.Put("work", "y").ok());
  EXPECT_TRUE(std::filesystem::exists(signal));
}

TEST_F(SqliteQueueStoreTest, MessageIsNeverGivenToTwoGettersWhileInvisible) {
  Process a(path(), loop_, clock_);
  Process b(path(), loop_, clock_);
  SyncQueue qa(loop_, a.queues());
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(qa.Put("shared", std::to_string(i)).ok());

  std::map<std::string, int> times_given;
  int getters_done = 0;
  // Each process keeps taking batches until the queue looks empty to it; both run at once.
  std::function<void(QueueStore&, const std::string&)> take = [&](QueueStore& store,
                                                                  const std::string& owner) {
    store.Get("shared", 32, kLong, owner, [&, owner](StatusOr<std::vector<QueueMessage>> got) {
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      for (const auto& m : *got) ++times_given[m.id];
      if (got->empty()) {
        if (++getters_done == 2) loop_.Stop();
        return;
      }
      take(store, owner);
    });
  };
  take(a.queues(), "instance-a");
  take(b.queues(), "instance-b");
  RunUntilStopped(loop_);

  EXPECT_EQ(times_given.size(), 300u);
  for (const auto& [id, n] : times_given) EXPECT_EQ(n, 1) << id;
}

TEST_F(SqliteQueueStoreTest, ConcurrentPutGetDeleteFromTwoProcessesLosesAndRepeatsNothing) {
  Process a(path(), loop_, clock_);
  Process b(path(), loop_, clock_);
  constexpr int kMessages = 600;
  std::set<std::string> put_texts;
  std::map<std::string, int> received;  // text -> times
  int deleted = 0;
  int delete_errors = 0;

  for (int i = 0; i < kMessages; ++i) {
    // Every put is in flight at once, from both processes.
    QueueStore& writer = i % 2 == 0 ? a.queues() : b.queues();
    writer.Put("mixed", "m" + std::to_string(i), Duration::zero(), Duration::zero(),
               [&, i](StatusOr<QueueMessage> m) {
                 ASSERT_TRUE(m.ok()) << m.status().ToString();
                 put_texts.insert("m" + std::to_string(i));
               });
  }
  std::function<void(QueueStore&, const std::string&)> consume = [&](QueueStore& store,
                                                                     const std::string& owner) {
    if (deleted + delete_errors >= kMessages) return loop_.Stop();
    store.Get("mixed", 16, kLong, owner, [&, owner](StatusOr<std::vector<QueueMessage>> got) {
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (got->empty()) return consume(store, owner);
      auto left = std::make_shared<std::size_t>(got->size());
      for (const auto& m : *got) {
        ++received[m.text];
        store.Delete("mixed", m.id, m.pop_receipt, [&, left, owner](Status s) {
          s.ok() ? ++deleted : ++delete_errors;
          if (--*left == 0) consume(store, owner);
        });
      }
    });
  };
  consume(a.queues(), "instance-a");
  consume(b.queues(), "instance-b");
  RunUntilStopped(loop_);

  EXPECT_EQ(put_texts.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(received.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [text, n] : received) EXPECT_EQ(n, 1) << text;
  EXPECT_EQ(deleted, kMessages);
  EXPECT_EQ(delete_errors, 0);
  SyncQueue qa(loop_, a.queues());
  EXPECT_EQ(*qa.Length("mixed"), 0);
}

TEST_F(SqliteQueueStoreTest, ReleaseLeasesMakesAnOwnersMessagesVisibleNow) {
  Process p(path(), loop_, clock_);
  SyncQueue q(loop_, p.queues());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.Put("work", std::to_string(i)).ok());
  auto dead = q.Get("work", 3, kLong, "instance-dead");
  auto alive = q.Get("work", 1, kLong, "instance-alive");
  ASSERT_TRUE(dead.ok() && alive.ok());
  ASSERT_EQ(dead->size(), 3u);

  auto released = q.ReleaseLeases("instance-dead");
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(*released, 3);
  auto again = q.Get("work", 32, kLong, "instance-new");
  ASSERT_TRUE(again.ok());
  // The dead owner's three (oldest first, taken a second time) and the one never taken.
  ASSERT_EQ(again->size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*again)[i].id, (*dead)[i].id);
    EXPECT_EQ((*again)[i].dequeue_count, 2);
  }
  EXPECT_EQ((*again)[3].dequeue_count, 1);
  EXPECT_EQ(*q.ReleaseLeases("instance-dead"), 0);  // nothing left to give back
  EXPECT_EQ(*q.ReleaseLeases("nobody"), 0);
}

TEST_F(SqliteQueueStoreTest, AcknowledgedPutsSurviveClosingAndReopening) {
  {
    Process p(path(), loop_, clock_);
    SyncQueue q(loop_, p.queues());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(q.Put("durable", std::to_string(i)).ok());
  }
  Process reopened(path(), loop_, clock_);
  SyncQueue q(loop_, reopened.queues());
  EXPECT_EQ(*q.Length("durable"), 50);
  auto got = q.Get("durable", 32, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 32u);
  EXPECT_EQ(got->front().text, "0");
}

TEST_F(SqliteQueueStoreTest, AcknowledgedPutsSurviveAProcessThatDiesWithoutClosing) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child acknowledges puts, then dies at once: no destructor, no close, no checkpoint.
    EventLoop loop;
    SimulatedClock clock;
    auto storage = OpenSqliteStorage(path(), loop, clock);
    if (!storage.ok()) ::_exit(2);
    int acked = 0;
    for (int i = 0; i < 20; ++i) {
      storage->queues->Put("crash", std::to_string(i), Duration::zero(), Duration::zero(),
                           [&](StatusOr<QueueMessage> m) {
                             if (!m.ok()) ::_exit(3);
                             if (++acked == 20) ::_exit(0);
                           });
    }
    loop.Run(1);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Process p(path(), loop_, clock_);
  SyncQueue q(loop_, p.queues());
  EXPECT_EQ(*q.Length("crash"), 20);
}

TEST_F(SqliteQueueStoreTest, ExpiredMessagesAreDeletedLazily) {
  Process p(path(), loop_, clock_);
  SyncQueue q(loop_, p.queues());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(q.Put("expiring", "m", Duration::zero(), seconds(10)).ok());
  }
  ASSERT_TRUE(q.Put("expiring", "kept", Duration::zero(), hours(1)).ok());
  RawSqlite raw(path());
  EXPECT_EQ(raw.Int("SELECT count(*) FROM messages"), 11);
  clock_.Advance(seconds(11));
  auto got = q.Get("expiring", 32, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, "kept");
  EXPECT_EQ(raw.Int("SELECT count(*) FROM messages"), 1);
}

TEST_F(SqliteQueueStoreTest, DestroyingTheStoreDropsPendingCallbacksButKeepsQueuedWrites) {
  bool called = false;
  {
    Process p(path(), loop_, clock_);
    p.queues().Put("late", "m", Duration::zero(), Duration::zero(),
                   [&](StatusOr<QueueMessage>) { called = true; });
  }
  AsioContext(loop_).restart();
  AsioContext(loop_).poll();
  EXPECT_FALSE(called);
  Process reopened(path(), loop_, clock_);
  SyncQueue q(loop_, reopened.queues());
  EXPECT_EQ(*q.Length("late"), 1);
}

TEST_F(SqliteQueueStoreTest, ListQueuesSkipsQueuesWhoseMessagesAllExpired) {
  Process p(path(), loop_, clock_);
  SyncQueue q(loop_, p.queues());
  ASSERT_TRUE(q.Put("alpha", "m").ok());
  ASSERT_TRUE(q.Put("beta", "m", Duration::zero(), seconds(5)).ok());
  ASSERT_TRUE(q.Put("gamma", "m").ok());
  EXPECT_EQ(*q.List(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  clock_.Advance(seconds(6));
  EXPECT_EQ(*q.List(), (std::vector<std::string>{"alpha", "gamma"}));
}

}  // namespace
}  // namespace squall::testing
