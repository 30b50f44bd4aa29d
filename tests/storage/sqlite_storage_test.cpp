// OpenSqliteStorage: where the file goes, and errors that name it.
#include "storage/sqlite_storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/simulated_clock.h"
#include "store_fixture.h"

namespace squall::testing {
namespace {

using ::testing::HasSubstr;

class SqliteStorageTest : public ::testing::Test {
 protected:
  StatusOr<Storage> Open(const std::filesystem::path& path) {
    return OpenSqliteStorage(path, loop_, clock_);
  }

  TempDir dir_;
  EventLoop loop_;
  SimulatedClock clock_;
};

TEST_F(SqliteStorageTest, CreatesItsFolderForTheOwnerOnly) {
  std::filesystem::path app = dir_.path() / "app";
  std::filesystem::create_directory(app);
  auto storage = Open(app / ".squall" / "storage.db");
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat((app / ".squall").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(std::filesystem::exists(app / ".squall" / "storage.db"));
  EXPECT_EQ(storage->queues->Describe(),
            "embedded storage (" + (app / ".squall" / "storage.db").string() + ")");
}

TEST_F(SqliteStorageTest, FolderThatCannotBeMadeIsAnErrorNamingTheFile) {
  std::filesystem::path blocker = dir_.path() / "app";
  std::ofstream(blocker) << "a file where the app folder should be";
  std::filesystem::path path = blocker / ".squall" / "storage.db";
  auto storage = Open(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_THAT(storage.status().message(), HasSubstr(path.string()));
  EXPECT_THAT(storage.status().message(), HasSubstr("cannot create the folder"));
}

TEST_F(SqliteStorageTest, FileThatIsNotADatabaseIsAnErrorNamingTheFile) {
  std::filesystem::path path = dir_.path() / "storage.db";
  std::ofstream(path) << std::string(8192, 'x');
  auto storage = Open(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(storage.status().message(), HasSubstr(path.string()));
  EXPECT_THAT(storage.status().message(), HasSubstr("not a database"));
}

TEST_F(SqliteStorageTest, FolderInPlaceOfTheFileIsAnErrorNamingIt) {
  std::filesystem::path path = dir_.path() / "storage.db";
  std::filesystem::create_directory(path);
  auto storage = Open(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_THAT(storage.status().message(), HasSubstr(path.string()));
}

TEST_F(SqliteStorageTest, UnwritableFolderIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  std::filesystem::path folder = dir_.path() / "locked";
  std::filesystem::create_directory(folder);
  std::filesystem::permissions(
      folder, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto storage = Open(folder / "storage.db");
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(storage.status().message(), HasSubstr((folder / "storage.db").string()));
}

TEST_F(SqliteStorageTest, ReadOnlyFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  std::filesystem::path path = dir_.path() / "storage.db";
  ASSERT_TRUE(Open(path).ok());
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  auto storage = Open(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(storage.status().message(), HasSubstr(path.string()));
}

TEST_F(SqliteStorageTest, ReopensAFileItMade) {
  std::filesystem::path path = dir_.path() / "storage.db";
  ASSERT_TRUE(Open(path).ok());
  auto again = Open(path);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(SqliteStorageTest, QueuesAndLocksShareTheFile) {
  std::filesystem::path path = dir_.path() / "storage.db";
  auto storage = Open(path);
  ASSERT_TRUE(storage.ok());
  SyncQueue queue(loop_, *storage->queues);
  SyncLocks locks(loop_, *storage->locks);
  ASSERT_TRUE(queue.Put("jobs", "m").ok());
  ASSERT_TRUE(locks.Write("k", "v").ok());
  storage->queues.reset();  // the lock store keeps the database open
  EXPECT_EQ(locks.Read("k").value(), "v");
}

}  // namespace
}  // namespace squall::testing
