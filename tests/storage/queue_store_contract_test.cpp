// The QueueStore and LockStore contract (Azure Storage's behaviour), for every backend in
// StoreBackends() (store_fixture.h). Written against the interfaces only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <set>

#include "store_fixture.h"

namespace squall::testing {

void PrintTo(const StoreBackend& backend, std::ostream* out) { *out << backend.name; }

namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr Duration kLong = seconds(300);  // a visibility no test outlives

std::vector<std::string> Texts(const std::vector<QueueMessage>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.text);
  return out;
}

TEST_P(StoreContractTest, PutThenGetReturnsTheMessage) {
  std::string q = UniqueName("q");
  auto put = queue().Put(q, "hello");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_FALSE(put->id.empty());
  EXPECT_EQ(put->text, "hello");

  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  const QueueMessage& m = got->front();
  EXPECT_EQ(m.id, put->id);
  EXPECT_EQ(m.text, "hello");
  EXPECT_EQ(m.dequeue_count, 1);
  EXPECT_FALSE(m.pop_receipt.empty());
}

TEST_P(StoreContractTest, TakenMessageIsInvisibleUntilItsVisibilityEnds) {
  SKIP_UNLESS_TIME_CAN_PASS();
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto first = queue().Get(q, 1, seconds(2));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  auto hidden = queue().Get(q, 1, seconds(2));
  ASSERT_TRUE(hidden.ok());
  EXPECT_TRUE(hidden->empty());

  Advance(seconds(3));
  auto again = queue().Get(q, 1, kLong);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, first->front().id);
  EXPECT_EQ(again->front().dequeue_count, 2);
  EXPECT_NE(again->front().pop_receipt, first->front().pop_receipt);
  // The first getter's receipt is stale now.
  EXPECT_EQ(queue().Delete(q, first->front()).code(), StatusCode::kNotFound);
  EXPECT_TRUE(queue().Delete(q, again->front()).ok());
}

TEST_P(StoreContractTest, DequeueCountGrowsWithEveryGet) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  for (int expected = 1; expected <= 3; ++expected) {
    auto got = queue().Get(q, 1, kLong);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().dequeue_count, expected);
    ASSERT_TRUE(queue().Update(q, got->front(), Duration::zero()).ok());  // release
  }
}

TEST_P(StoreContractTest, PopReceiptChangesOnGetAndUpdate) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  auto updated = queue().Update(q, got->front(), kLong);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->id, got->front().id);
  EXPECT_FALSE(updated->pop_receipt.empty());
  EXPECT_NE(updated->pop_receipt, got->front().pop_receipt);

  // The receipt Get gave is stale once Update gave a new one.
  EXPECT_EQ(queue().Delete(q, got->front()).code(), StatusCode::kNotFound);
  EXPECT_EQ(queue().Update(q, got->front(), kLong).status().code(), StatusCode::kNotFound);
  QueueMessage current = got->front();
  current.pop_receipt = updated->pop_receipt;
  EXPECT_TRUE(queue().Delete(q, current).ok());
  EXPECT_EQ(queue().Delete(q, current).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ReleasedMessageGoesToTheNextGetterWithANewReceipt) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto first = queue().Get(q, 1, kLong);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  auto released = queue().Update(q, first->front(), Duration::zero());
  ASSERT_TRUE(released.ok());
  QueueMessage stale = first->front();
  stale.pop_receipt = released->pop_receipt;

  auto second = queue().Get(q, 1, kLong, "owner-b");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(second->front().dequeue_count, 2);
  EXPECT_EQ(queue().Delete(q, stale).code(), StatusCode::kNotFound);
  EXPECT_TRUE(queue().Delete(q, second->front()).ok());
}

TEST_P(StoreContractTest, MessagesComeOldestFirst) {
  std::string q = UniqueName("q");
  for (const char* text : {"a", "b", "c", "d"}) ASSERT_TRUE(queue().Put(q, text).ok());
  auto peeked = queue().Peek(q, 32);
  ASSERT_TRUE(peeked.ok());
  EXPECT_THAT(Texts(*peeked), ::testing::ElementsAre("a", "b", "c", "d"));
  auto first = queue().Get(q, 2, kLong);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Texts(*first), ::testing::ElementsAre("a", "b"));
  auto rest = queue().Get(q, 32, kLong);
  ASSERT_TRUE(rest.ok());
  EXPECT_THAT(Texts(*rest), ::testing::ElementsAre("c", "d"));
}

TEST_P(StoreContractTest, GetTakesAtMost32) {
  std::string q = UniqueName("q");
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(queue().Put(q, std::to_string(i)).ok());
  auto first = queue().Get(q, kMaxMessagesPerGet, kLong);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 32u);
  EXPECT_EQ(first->front().text, "0");
  EXPECT_EQ(first->back().text, "31");
  auto rest = queue().Get(q, kMaxMessagesPerGet, kLong);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), 8u);
  std::set<std::string> ids;
  for (const auto& m : *first) ids.insert(m.id);
  for (const auto& m : *rest) ids.insert(m.id);
  EXPECT_EQ(ids.size(), 40u);
}

TEST_P(StoreContractTest, MaxMessagesOutsideOneTo32IsRefused) {
  std::string q = UniqueName("q");
  EXPECT_EQ(queue().Get(q, 0, kLong).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Get(q, 33, kLong).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Peek(q, 33).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, MessageOver64KBIsRefusedWithItsSize) {
  std::string q = UniqueName("q");
  auto at_limit = queue().Put(q, std::string(kMaxQueueMessageBytes, 'a'));
  EXPECT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  auto over = queue().Put(q, std::string(kMaxQueueMessageBytes + 1, 'a'));
  ASSERT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(over.status().message(), HasSubstr("65536"));
  EXPECT_THAT(over.status().message(), HasSubstr("65537"));
}

TEST_P(StoreContractTest, LengthCountsVisibleAndInvisibleMessages) {
  std::string q = UniqueName("q");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue().Put(q, "m").ok());
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  auto length = queue().Length(q);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 3);
  ASSERT_TRUE(queue().Delete(q, got->front()).ok());
  EXPECT_EQ(*queue().Length(q), 2);
}

TEST_P(StoreContractTest, MissingQueueIsAnEmptyOne) {
  std::string q = UniqueName("q");
  auto length = queue().Length(q);
  ASSERT_TRUE(length.ok()) << length.status().ToString();
  EXPECT_EQ(*length, 0);
  auto got = queue().Get(q, 32, kLong);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->empty());
  auto peeked = queue().Peek(q, 32);
  ASSERT_TRUE(peeked.ok());
  EXPECT_TRUE(peeked->empty());
}

TEST_P(StoreContractTest, CreateQueueIsIdempotentAndChecksTheName) {
  std::string q = UniqueName("q");
  EXPECT_TRUE(queue().Create(q).ok());
  EXPECT_TRUE(queue().Create(q).ok());
  EXPECT_EQ(queue().Create("ab").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Create("Upper-case").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Put("bad--name", "m").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, PeekChangesNothingAndGivesNoReceipt) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  for (int i = 0; i < 2; ++i) {
    auto peeked = queue().Peek(q, 1);
    ASSERT_TRUE(peeked.ok());
    ASSERT_EQ(peeked->size(), 1u);
    EXPECT_EQ(peeked->front().text, "m");
    EXPECT_EQ(peeked->front().dequeue_count, 0);
    EXPECT_TRUE(peeked->front().pop_receipt.empty());
  }
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().dequeue_count, 1);
  auto hidden = queue().Peek(q, 1);
  ASSERT_TRUE(hidden.ok());
  EXPECT_TRUE(hidden->empty());
}

TEST_P(StoreContractTest, InitialVisibilityDelaysAMessage) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "later", seconds(2)).ok());
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_EQ(*queue().Length(q), 1);
  if (!can_advance()) return;
  Advance(seconds(3));
  got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, "later");
}

TEST_P(StoreContractTest, ExpiredMessagesAreNeverReturnedNorCounted) {
  SKIP_UNLESS_TIME_CAN_PASS();
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "short", Duration::zero(), seconds(2)).ok());
  ASSERT_TRUE(queue().Put(q, "long", Duration::zero(), hours(1)).ok());
  Advance(seconds(3));
  // Azure's count is approximate ("not lower than the actual number"): an expired message is
  // counted until the service collects it, as Azurite does. The embedded store is exact.
  if (simulated_time()) {
    EXPECT_EQ(*queue().Length(q), 1);
  } else {
    EXPECT_GE(*queue().Length(q), 1);
  }
  auto peeked = queue().Peek(q, 32);
  ASSERT_TRUE(peeked.ok());
  EXPECT_THAT(Texts(*peeked), ::testing::ElementsAre("long"));
  auto got = queue().Get(q, 32, kLong);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Texts(*got), ::testing::ElementsAre("long"));
}

TEST_P(StoreContractTest, TimesFollowTheClock) {
  SKIP_UNLESS_SIMULATED_TIME();
  std::string q = UniqueName("q");
  WallTime put_at = clock_.WallNow();
  auto put = queue().Put(q, "m", seconds(5), seconds(600));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->insertion_time, put_at);
  EXPECT_EQ(put->expiration_time, put_at + seconds(600));
  EXPECT_EQ(put->next_visible_time, put_at + seconds(5));

  clock_.Advance(seconds(5));
  auto got = queue().Get(q, 1, seconds(30));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().insertion_time, put_at);
  EXPECT_EQ(got->front().expiration_time, put_at + seconds(600));
  EXPECT_EQ(got->front().next_visible_time, clock_.WallNow() + seconds(30));

  clock_.Advance(seconds(1));
  auto updated = queue().Update(q, got->front(), seconds(60));
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->next_visible_time, clock_.WallNow() + seconds(60));
}

TEST_P(StoreContractTest, DefaultTimeToLiveIsSevenDays) {
  SKIP_UNLESS_SIMULATED_TIME();
  std::string q = UniqueName("q");
  auto put = queue().Put(q, "m");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->expiration_time - put->insertion_time, hours(24 * 7));
}

TEST_P(StoreContractTest, UpdateVisibilityHidesTheMessageAgain) {
  SKIP_UNLESS_TIME_CAN_PASS();
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto got = queue().Get(q, 1, seconds(1));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE(queue().Update(q, got->front(), kLong).ok());
  Advance(seconds(2));
  auto again = queue().Get(q, 1, kLong);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_P(StoreContractTest, ArgumentsOutOfAzureRangesAreRefused) {
  std::string q = UniqueName("q");
  EXPECT_EQ(queue().Put(q, "m", hours(24 * 8)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Put(q, "m", seconds(60), seconds(30)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(queue().Get(q, 1, hours(24 * 8)).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(queue().Update(q, got->front(), seconds(-1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, DeletedMessageIsGone) {
  std::string q = UniqueName("q");
  ASSERT_TRUE(queue().Put(q, "m").ok());
  auto got = queue().Get(q, 1, seconds(1));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE(queue().Delete(q, got->front()).ok());
  EXPECT_EQ(*queue().Length(q), 0);
  EXPECT_EQ(queue().Delete(q, got->front()).code(), StatusCode::kNotFound);
  EXPECT_EQ(queue().Update(q, got->front(), kLong).status().code(), StatusCode::kNotFound);
  if (!can_advance()) return;
  Advance(seconds(2));
  auto again = queue().Get(q, 1, kLong);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_P(StoreContractTest, ClearDeletesEveryMessageOfTheQueueOnly) {
  std::string q = UniqueName("q");
  std::string other = UniqueName("other");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue().Put(q, "m").ok());
  ASSERT_TRUE(queue().Put(other, "kept").ok());
  ASSERT_TRUE(queue().Get(q, 2, kLong).ok());  // invisible ones go too
  ASSERT_TRUE(queue().Clear(q).ok());
  EXPECT_EQ(*queue().Length(q), 0);
  EXPECT_EQ(*queue().Length(other), 1);
  EXPECT_TRUE(queue().Clear(UniqueName("missing")).ok());
}

TEST_P(StoreContractTest, ListQueuesNamesQueuesWithMessages) {
  std::string a = UniqueName("list-a");
  std::string b = UniqueName("list-b");
  ASSERT_TRUE(queue().Put(a, "m").ok());
  ASSERT_TRUE(queue().Put(b, "m").ok());
  auto names = queue().List();
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_THAT(*names, ::testing::IsSupersetOf({a, b}));
}

TEST_P(StoreContractTest, MessageTextComesBackByteForByte) {
  std::string q = UniqueName("q");
  std::string text = "héllo \"wörld\" <&> \t {\"json\": [1, 2]} ";
  ASSERT_TRUE(queue().Put(q, text).ok());
  auto got = queue().Get(q, 1, kLong);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, text);
}

TEST_P(StoreContractTest, LockGoesToOneOwnerAtATime) {
  std::string lock = UniqueName("lock");
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), false);
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);  // renewal
  ASSERT_TRUE(locks().Release(lock, "a").ok());
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), true);
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), false);
}

TEST_P(StoreContractTest, ReleaseByAnotherOwnerChangesNothing) {
  std::string lock = UniqueName("lock");
  ASSERT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);
  EXPECT_TRUE(locks().Release(lock, "b").ok());
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), false);
  EXPECT_TRUE(locks().Release(UniqueName("never-taken"), "a").ok());
}

TEST_P(StoreContractTest, ExpiredLockGoesToTheNextOwner) {
  SKIP_UNLESS_SIMULATED_TIME();  // 15 s at least: too long to wait for real
  std::string lock = UniqueName("lock");
  ASSERT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);
  Advance(seconds(10));
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), false);
  Advance(seconds(6));
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), true);
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), false);
}

TEST_P(StoreContractTest, RenewalExtendsTheLock) {
  SKIP_UNLESS_SIMULATED_TIME();
  std::string lock = UniqueName("lock");
  ASSERT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);
  Advance(seconds(10));
  ASSERT_EQ(locks().TryAcquire(lock, "a", seconds(15)).value(), true);
  Advance(seconds(10));
  EXPECT_EQ(locks().TryAcquire(lock, "b", seconds(15)).value(), false);
}

TEST_P(StoreContractTest, LockDurationOutsideAzureLeaseRangeIsRefused) {
  std::string lock = UniqueName("lock");
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(5)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(locks().TryAcquire(lock, "a", seconds(61)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, StateIsReadBackAsWritten) {
  std::string key = "timers/" + UniqueName("app") + "/Fn/status";
  auto missing = locks().Read(key);
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(locks().Write(key, R"({"last":"2024-01-02T03:04:05Z"})").ok());
  EXPECT_EQ(locks().Read(key).value(), R"({"last":"2024-01-02T03:04:05Z"})");
  ASSERT_TRUE(locks().Write(key, "second").ok());
  EXPECT_EQ(locks().Read(key).value(), "second");
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(StoreBackends()),
                         [](const auto& test) { return test.param.name; });

}  // namespace squall::testing
