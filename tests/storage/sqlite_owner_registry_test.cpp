// Lease owners whose process is gone: pid liveness, pid reuse, and their leases given back.
#include "storage/sqlite_owner_registry.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "core/simulated_clock.h"
#include "sqlite_test_db.h"
#include "storage/sqlite_queue_store.h"
#include "storage/sqlite_storage.h"
#include "store_fixture.h"

namespace squall::testing {
namespace {

using std::chrono::seconds;

// The pid of a process that has ended (and been reaped).
std::int64_t EndedPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(ProcessAliveTest, ThisProcessIsAlive) {
  ProcessIdentity self = ProcessIdentity::Self();
  EXPECT_EQ(self.pid, ::getpid());
  EXPECT_GT(self.start_time, 0);
  EXPECT_FALSE(self.boot_id.empty());
  EXPECT_TRUE(ProcessAlive(self));
}

TEST(ProcessAliveTest, AReusedPidIsNotTheSameProcess) {
  ProcessIdentity earlier = ProcessIdentity::Self();
  earlier.start_time -= 1;
  EXPECT_FALSE(ProcessAlive(earlier));
}

TEST(ProcessAliveTest, AnEndedProcessIsDead) {
  ProcessIdentity ended = ProcessIdentity::Self();
  ended.pid = EndedPid();
  EXPECT_FALSE(ProcessAlive(ended));
  EXPECT_FALSE(ProcessIdentity::Of(ended.pid).has_value());
}

TEST(ProcessAliveTest, AProcessOfAnEarlierBootIsDead) {
  ProcessIdentity other_boot = ProcessIdentity::Self();
  other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_FALSE(ProcessAlive(other_boot));
}

TEST(ProcessAliveTest, NoPidIsNoProcess) {
  ProcessIdentity none = ProcessIdentity::Self();
  none.pid = 0;
  EXPECT_FALSE(ProcessAlive(none));
  none.pid = -1;
  EXPECT_FALSE(ProcessAlive(none));
}

TEST(SqliteOwnerRegistryTest, DeadOwnersLeasesComeBackAtOnce) {
  TempDir dir;
  EventLoop loop;
  SimulatedClock clock;
  std::filesystem::path path = dir.path() / "storage.db";
  auto storage = OpenSqliteStorage(path, loop, clock);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  auto* store = dynamic_cast<SqliteQueueStore*>(storage->queues.get());
  ASSERT_NE(store, nullptr);
  SyncQueue q(loop, *store);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(q.Put("work", std::to_string(i)).ok());
  ASSERT_EQ(q.Get("work", 2, seconds(600), "crashed").value().size(), 2u);
  ASSERT_EQ(q.Get("work", 1, seconds(600), "reused").value().size(), 1u);
  ASSERT_EQ(q.Get("work", 1, seconds(600), "running").value().size(), 1u);

  // Every owner was recorded as this process; make two of them someone else's.
  RawSqlite raw(path);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM owners"), 3);
  raw.Exec("UPDATE owners SET pid = " + std::to_string(EndedPid()) + " WHERE owner = 'crashed'");
  raw.Exec("UPDATE owners SET start_time = start_time - 1 WHERE owner = 'reused'");

  using R = StatusOr<SqliteQueueStore::DeadOwners>;
  R released = Await<R>(loop, [&](auto done) { store->ReleaseDeadOwners(std::move(done)); });
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  std::sort(released->owners.begin(), released->owners.end());
  EXPECT_EQ(released->owners, (std::vector<std::string>{"crashed", "reused"}));
  EXPECT_EQ(released->messages, 3);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM owners"), 1);

  // The dead owners' three messages and the two never taken; "running" keeps its one.
  auto again = q.Get("work", 32, seconds(600), "next");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 5u);

  // Through the interface: nothing is left to release.
  auto count = Await<StatusOr<std::int64_t>>(
      loop, [&](auto done) { store->ReleaseLeasesOfDeadOwners(std::move(done)); });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace squall::testing
