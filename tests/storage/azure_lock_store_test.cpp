// AzureLockStore against a real Azurite (tests/storage/azurite.h), and its lease ids.
#include "storage/azure_lock_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "azurite.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "storage/azure_storage.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using State = StatusOr<std::optional<std::string>>;

TEST(LeaseIdForOwnerTest, IsAStableUuidPerOwner) {
  std::string a = LeaseIdForOwner("instance-1");
  EXPECT_EQ(a, LeaseIdForOwner("instance-1"));
  EXPECT_NE(a, LeaseIdForOwner("instance-2"));
  EXPECT_NE(LeaseIdForOwner(""), LeaseIdForOwner(" "));
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
}

class AzureLockStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = Azurite::Start();
    if (started.ok()) {
      azurite_ = std::move(*started).release();
    } else {
      start_error_ = new Status(started.status());
    }
  }
  static void TearDownTestSuite() {
    delete azurite_;
    azurite_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << start_error_->ToString();
    clock_ = MakeRealClock(loop_);
    locks_ = Open(azurite_->Connection());
    ASSERT_NE(locks_, nullptr);
  }

  std::unique_ptr<LockStore> Open(const StorageConnection& c) {
    auto storage = OpenAzureStorage(c, loop_, *clock_);
    EXPECT_TRUE(storage.ok()) << storage.status().ToString();
    if (!storage.ok()) return nullptr;
    return std::move(storage->locks);
  }

  template <typename T>
  T Await(const std::function<void(std::function<void(T)>)>& start) {
    auto result = AwaitCallback<T>(loop_, start);
    if (!result) {
      ADD_FAILURE() << "the store never called back";
      return T(Internal("no callback"));
    }
    return std::move(*result);
  }

  StatusOr<bool> Acquire(const std::string& name, const std::string& owner, Duration d = 30s,
                         LockStore* store = nullptr) {
    LockStore& s = store ? *store : *locks_;
    return Await<StatusOr<bool>>([&](auto done) { s.TryAcquire(name, owner, d, done); });
  }
  bool Holds(const std::string& name, const std::string& owner) {
    auto r = Acquire(name, owner);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }
  Status Release(const std::string& name, const std::string& owner) {
    return Await<Status>([&](auto done) { locks_->Release(name, owner, done); });
  }
  State Read(const std::string& key) {
    return Await<State>([&](auto done) { locks_->ReadState(key, done); });
  }
  Status Write(const std::string& key, const std::string& value) {
    return Await<Status>([&](auto done) { locks_->WriteState(key, value, done); });
  }

  static Azurite* azurite_;
  static Status* start_error_;
  EventLoop loop_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<LockStore> locks_;
};

Azurite* AzureLockStoreTest::azurite_ = nullptr;
Status* AzureLockStoreTest::start_error_ = nullptr;

TEST_F(AzureLockStoreTest, OneOwnerAtATime) {
  // The first call also creates the container and the lock blob.
  EXPECT_TRUE(Holds("app/Timer1", "instance-1"));
  EXPECT_FALSE(Holds("app/Timer1", "instance-2"));
  EXPECT_TRUE(Holds("app/Timer1", "instance-1"));  // the holder renews
  EXPECT_FALSE(Holds("app/Timer1", "instance-2"));
  EXPECT_TRUE(Holds("app/Timer2", "instance-2"));  // other locks are independent
}

TEST_F(AzureLockStoreTest, ReleaseLetsTheNextOwnerIn) {
  ASSERT_TRUE(Holds("app/Released", "instance-1"));
  EXPECT_TRUE(Release("app/Released", "instance-2").ok());  // not the holder: no-op
  EXPECT_FALSE(Holds("app/Released", "instance-2"));
  EXPECT_TRUE(Release("app/Released", "instance-1").ok());
  EXPECT_TRUE(Holds("app/Released", "instance-2"));
  EXPECT_TRUE(Release("app/Released", "instance-2").ok());
  EXPECT_TRUE(Release("app/Released", "instance-2").ok());  // twice: still fine
}

TEST_F(AzureLockStoreTest, ReleasingANeverTakenLockIsANoOp) {
  EXPECT_TRUE(Release("app/NeverTaken", "instance-1").ok());
}

TEST_F(AzureLockStoreTest, DurationIsAzuresLeaseRange) {
  EXPECT_TRUE(*Acquire("app/Short", "i", 15s));
  EXPECT_TRUE(*Acquire("app/Long", "i", 60s));
  EXPECT_EQ(Acquire("app/Bad", "i", 14s).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Acquire("app/Bad", "i", 61s).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Acquire("", "i").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Acquire("app/NoOwner", "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AzureLockStoreTest, StateIsReadBackAsWritten) {
  State missing = Read("timers/app/Missing/status");
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());

  std::string value = R"({"Last":"2025-01-01T00:00:00Z","Next":"2025-01-01T00:05:00Z"})";
  ASSERT_TRUE(Write("timers/app/Tick/status", value).ok());
  State read = Read("timers/app/Tick/status");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, value);

  ASSERT_TRUE(Write("timers/app/Tick/status", "").ok());  // overwritten, even with nothing
  EXPECT_EQ(**Read("timers/app/Tick/status"), "");
  std::string binary("\0\x01\xFF text", 8);
  ASSERT_TRUE(Write("state with spaces/\xC3\xA9", binary).ok());
  EXPECT_EQ(**Read("state with spaces/\xC3\xA9"), binary);
}

TEST_F(AzureLockStoreTest, KeysAreChecked) {
  EXPECT_EQ(Read("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Write("/abs", "x").code(), StatusCode::kInvalidArgument);
}

TEST_F(AzureLockStoreTest, AWrongKeyIsPermissionDeniedNamingTheAccount) {
  auto wrong = Open(azurite_->Connection("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  ASSERT_NE(wrong, nullptr);
  auto r = Acquire("app/WrongKey", "instance-1", 30s, wrong.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("account 'devstoreaccount1'"));
  EXPECT_THAT(r.status().message(), HasSubstr("AccountKey"));
  Status w = Await<Status>([&](auto done) { wrong->WriteState("k", "v", done); });
  EXPECT_EQ(w.code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace squall
