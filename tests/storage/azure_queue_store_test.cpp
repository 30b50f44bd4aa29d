// AzureQueueStore against a real Azurite (tests/storage/azurite.h).
#include "storage/azure_queue_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "azurite.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "http/loopback.h"
#include "storage/azure_storage.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Messages = StatusOr<std::vector<QueueMessage>>;

constexpr Duration kWeek = 7 * 24h;

class AzureQueueStoreTest : public ::testing::Test {
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
    queues_ = Open(azurite_->Connection());
    ASSERT_NE(queues_, nullptr);
  }

  std::unique_ptr<QueueStore> Open(const StorageConnection& c) {
    auto storage = OpenAzureStorage(c, loop_, *clock_);
    EXPECT_TRUE(storage.ok()) << storage.status().ToString();
    if (!storage.ok()) return nullptr;
    return std::move(storage->queues);
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

  QueueMessage Put(QueueStore& q, const std::string& queue, const std::string& text,
                   Duration visibility = 0s, Duration ttl = kWeek) {
    auto r = Await<StatusOr<QueueMessage>>(
        [&](auto done) { q.Put(queue, text, visibility, ttl, done); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QueueMessage{};
  }
  QueueMessage Put(const std::string& queue, const std::string& text) {
    return Put(*queues_, queue, text);
  }
  Messages Get(const std::string& queue, int n = 32, Duration visibility = 30s) {
    return Await<Messages>(
        [&](auto done) { queues_->Get(queue, n, visibility, "instance-1", done); });
  }
  Messages Peek(const std::string& queue, int n = 32) {
    return Await<Messages>([&](auto done) { queues_->Peek(queue, n, done); });
  }
  Status Delete(const std::string& queue, const std::string& id, const std::string& receipt) {
    return Await<Status>([&](auto done) { queues_->Delete(queue, id, receipt, done); });
  }
  StatusOr<QueueMessage> Update(const std::string& queue, const QueueMessage& m,
                                Duration visibility) {
    return Await<StatusOr<QueueMessage>>([&](auto done) {
      queues_->UpdateVisibility(queue, m.id, m.pop_receipt, visibility, done);
    });
  }
  std::int64_t Length(const std::string& queue) {
    auto r = Await<StatusOr<std::int64_t>>([&](auto done) { queues_->Length(queue, done); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  // Times come from Azurite's clock, which is this machine's.
  void ExpectNear(WallTime t, WallTime expected) {
    EXPECT_LT(t - expected, 5min);
    EXPECT_LT(expected - t, 5min);
  }

  static Azurite* azurite_;
  static Status* start_error_;
  EventLoop loop_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<QueueStore> queues_;
};

Azurite* AzureQueueStoreTest::azurite_ = nullptr;
Status* AzureQueueStoreTest::start_error_ = nullptr;

TEST_F(AzureQueueStoreTest, DescribeNamesTheAccountAndEndpoint) {
  EXPECT_THAT(queues_->Describe(), HasSubstr("Azure Storage account 'devstoreaccount1'"));
  EXPECT_THAT(queues_->Describe(),
              HasSubstr("http://127.0.0.1:" + std::to_string(azurite_->queue_port())));
}

TEST_F(AzureQueueStoreTest, PutGetDelete) {
  QueueMessage put = Put("put-get-delete", "hello");
  EXPECT_FALSE(put.id.empty());
  EXPECT_FALSE(put.pop_receipt.empty());
  EXPECT_EQ(put.text, "hello");
  EXPECT_EQ(put.dequeue_count, 0);
  ExpectNear(put.insertion_time, clock_->WallNow());
  ExpectNear(put.expiration_time, put.insertion_time + kWeek);

  Messages got = Get("put-get-delete", 1, 30s);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  const QueueMessage& m = got->front();
  EXPECT_EQ(m.id, put.id);
  EXPECT_EQ(m.text, "hello");
  EXPECT_EQ(m.dequeue_count, 1);
  EXPECT_FALSE(m.pop_receipt.empty());
  ExpectNear(m.next_visible_time, clock_->WallNow() + 30s);
  EXPECT_EQ(m.insertion_time, put.insertion_time);

  EXPECT_TRUE(Delete("put-get-delete", m.id, m.pop_receipt).ok());
  EXPECT_EQ(Length("put-get-delete"), 0);
  EXPECT_TRUE(Get("put-get-delete")->empty());
}

TEST_F(AzureQueueStoreTest, PutCreatesAMissingQueue) {
  auto before =
      Await<StatusOr<std::vector<std::string>>>([&](auto done) { queues_->ListQueues(done); });
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_THAT(*before, ::testing::Not(::testing::Contains("auto-created")));
  Put("auto-created", "first");
  auto after =
      Await<StatusOr<std::vector<std::string>>>([&](auto done) { queues_->ListQueues(done); });
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_THAT(*after, ::testing::Contains("auto-created"));
  EXPECT_EQ(Length("auto-created"), 1);
}

TEST_F(AzureQueueStoreTest, AMissingQueueIsAnEmptyOne) {
  EXPECT_TRUE(Get("never-made")->empty());
  EXPECT_TRUE(Peek("never-made")->empty());
  EXPECT_EQ(Length("never-made"), 0);
  EXPECT_TRUE(Await<Status>([&](auto done) { queues_->Clear("never-made", done); }).ok());
}

TEST_F(AzureQueueStoreTest, CreateQueueIsIdempotentAndChecksTheName) {
  EXPECT_TRUE(Await<Status>([&](auto done) { queues_->CreateQueue("made-twice", done); }).ok());
  EXPECT_TRUE(Await<Status>([&](auto done) { queues_->CreateQueue("made-twice", done); }).ok());
  Status bad = Await<Status>([&](auto done) { queues_->CreateQueue("Bad_Name", done); });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("Bad_Name"));
}

TEST_F(AzureQueueStoreTest, ListQueuesNamesTheQueuesThatHaveMessagesSorted) {
  for (const char* q : {"list-c", "list-a", "list-b"}) Put(q, "x");
  ASSERT_TRUE(Await<Status>([&](auto done) { queues_->CreateQueue("list-empty", done); }).ok());
  auto ours = [&] {
    auto names =
        Await<StatusOr<std::vector<std::string>>>([&](auto done) { queues_->ListQueues(done); });
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    std::vector<std::string> out;
    for (const std::string& n : names.ok() ? *names : std::vector<std::string>{}) {
      if (n.rfind("list-", 0) == 0) out.push_back(n);
    }
    return out;
  };
  EXPECT_THAT(ours(), ElementsAre("list-a", "list-b", "list-c"));
  ASSERT_TRUE(Await<Status>([&](auto done) { queues_->Clear("list-b", done); }).ok());
  EXPECT_THAT(ours(), ElementsAre("list-a", "list-c"));
}

TEST_F(AzureQueueStoreTest, ListQueuesCountsManyQueuesAFewAtATime) {
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    std::string q = "many-" + std::to_string(100 + i);
    if (i % 3 == 0) {
      ASSERT_TRUE(Await<Status>([&](auto done) { queues_->CreateQueue(q, done); }).ok());
    } else {
      Put(q, "x");
      expected.push_back(q);
    }
  }
  auto names =
      Await<StatusOr<std::vector<std::string>>>([&](auto done) { queues_->ListQueues(done); });
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  std::vector<std::string> ours;
  for (const std::string& n : *names) {
    if (n.rfind("many-", 0) == 0) ours.push_back(n);
  }
  EXPECT_EQ(ours, expected);
}

TEST_F(AzureQueueStoreTest, PeekChangesNothing) {
  Put("peeked", "one");
  Put("peeked", "two");
  Messages peeked = Peek("peeked");
  ASSERT_TRUE(peeked.ok()) << peeked.status().ToString();
  ASSERT_EQ(peeked->size(), 2u);
  EXPECT_EQ((*peeked)[0].text, "one");
  EXPECT_EQ((*peeked)[1].text, "two");
  for (const QueueMessage& m : *peeked) {
    EXPECT_TRUE(m.pop_receipt.empty());
    EXPECT_EQ(m.dequeue_count, 0);
  }
  EXPECT_EQ(Peek("peeked", 1)->size(), 1u);
  EXPECT_EQ(Get("peeked")->size(), 2u);  // both were still visible
}

TEST_F(AzureQueueStoreTest, GetTakesAtMostMaxAndHidesWhatItTook) {
  for (const char* t : {"a", "b", "c"}) Put("taken", t);
  Messages first = Get("taken", 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].text, "a");
  EXPECT_EQ((*first)[1].text, "b");
  Messages rest = Get("taken", 32);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().text, "c");
  EXPECT_TRUE(Get("taken")->empty());
  EXPECT_TRUE(Peek("taken")->empty());
  EXPECT_EQ(Length("taken"), 3);  // invisible messages count too
}

TEST_F(AzureQueueStoreTest, GetChecksItsArguments) {
  EXPECT_EQ(Get("args", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("args", 33).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("args", 1, 8 * 24h).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Peek("args", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("x", 1).status().code(), StatusCode::kInvalidArgument);  // name too short
}

TEST_F(AzureQueueStoreTest, InitialVisibilityHidesANewMessage) {
  Put(*queues_, "delayed", "later", 60s, kWeek);
  EXPECT_TRUE(Get("delayed")->empty());
  EXPECT_TRUE(Peek("delayed")->empty());
  EXPECT_EQ(Length("delayed"), 1);
}

TEST_F(AzureQueueStoreTest, TimeToLiveSetsTheExpiration) {
  QueueMessage m = Put(*queues_, "short-lived", "x", 0s, 120s);
  EXPECT_EQ(m.expiration_time - m.insertion_time, Duration(120s));
  auto bad = Await<StatusOr<QueueMessage>>(
      [&](auto done) { queues_->Put("short-lived", "y", 60s, 30s, done); });
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AzureQueueStoreTest, UpdateVisibilityZeroReleasesAndRenewsTheReceipt) {
  Put("released", "payload");
  Messages got = Get("released", 1, 60s);
  ASSERT_EQ(got->size(), 1u);
  QueueMessage taken = got->front();

  auto updated = Update("released", taken, 0s);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->id, taken.id);
  EXPECT_FALSE(updated->pop_receipt.empty());
  EXPECT_NE(updated->pop_receipt, taken.pop_receipt);
  ExpectNear(updated->next_visible_time, clock_->WallNow());

  // The old receipt is stale now.
  EXPECT_EQ(Delete("released", taken.id, taken.pop_receipt).code(), StatusCode::kNotFound);
  EXPECT_EQ(Update("released", taken, 10s).status().code(), StatusCode::kNotFound);

  Messages again = Get("released", 1, 60s);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, taken.id);
  EXPECT_EQ(again->front().text, "payload");  // the text is kept
  EXPECT_EQ(again->front().dequeue_count, 2);
  EXPECT_TRUE(Delete("released", again->front().id, again->front().pop_receipt).ok());
}

TEST_F(AzureQueueStoreTest, UpdateVisibilityExtendsTheLease) {
  Put("extended", "work");
  Messages got = Get("extended", 1, 1s);
  ASSERT_EQ(got->size(), 1u);
  auto updated = Update("extended", got->front(), 120s);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  ExpectNear(updated->next_visible_time, clock_->WallNow() + 120s);
  EXPECT_GT(updated->next_visible_time, got->front().next_visible_time);
}

TEST_F(AzureQueueStoreTest, StaleOrUnknownMessagesAreNotFound) {
  QueueMessage put = Put("stale", "x");
  Messages got = Get("stale", 1);
  ASSERT_EQ(got->size(), 1u);
  // The receipt Put returned is not the one Get handed out.
  EXPECT_EQ(Delete("stale", put.id, put.pop_receipt).code(), StatusCode::kNotFound);
  EXPECT_EQ(
      Delete("stale", "00000000-0000-0000-0000-000000000000", got->front().pop_receipt).code(),
      StatusCode::kNotFound);
  EXPECT_EQ(Delete("stale", got->front().id, "not-a-receipt").code(), StatusCode::kNotFound);
  EXPECT_EQ(Delete("gone-queue", got->front().id, got->front().pop_receipt).code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(Delete("stale", got->front().id, got->front().pop_receipt).ok());
  EXPECT_EQ(Delete("stale", got->front().id, got->front().pop_receipt).code(),
            StatusCode::kNotFound);
}

TEST_F(AzureQueueStoreTest, ClearEmptiesTheQueue) {
  for (const char* t : {"1", "2", "3"}) Put("cleared", t);
  Get("cleared", 1);  // an invisible one goes too
  EXPECT_TRUE(Await<Status>([&](auto done) { queues_->Clear("cleared", done); }).ok());
  EXPECT_EQ(Length("cleared"), 0);
  EXPECT_TRUE(Peek("cleared")->empty());
}

TEST_F(AzureQueueStoreTest, TextRoundTripsExactly) {
  std::string text = "<order id=\"7\">&amp; 'quoted' \xC3\xA9\xE2\x9C\x93</order>\r\n\tend  ";
  Put("exact-text", text);
  Messages peeked = Peek("exact-text");
  ASSERT_EQ(peeked->size(), 1u);
  EXPECT_EQ(peeked->front().text, text);
  Messages got = Get("exact-text");
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, text);
}

TEST_F(AzureQueueStoreTest, The64KiBLimitHoldsAndIsCheckedBeforeSending) {
  std::string max(kMaxQueueMessageBytes, 'm');
  QueueMessage big = Put("big", max);
  EXPECT_EQ(big.text.size(), kMaxQueueMessageBytes);
  Messages got = Get("big");
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().text, max);

  // Refused before anything is sent: a store whose endpoint nothing listens on says so too.
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  StorageConnection nowhere = azurite_->Connection();
  nowhere.queue_endpoint.port = *port;
  auto offline = Open(nowhere);
  ASSERT_NE(offline, nullptr);
  for (QueueStore* q : {queues_.get(), offline.get()}) {
    auto r = Await<StatusOr<QueueMessage>>([&](auto done) {
      q->Put("big", std::string(kMaxQueueMessageBytes + 1, 'm'), 0s, kWeek, done);
    });
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("65536"));
  }
}

TEST_F(AzureQueueStoreTest, ControlCharactersAreRefusedBeforeSending) {
  auto r = Await<StatusOr<QueueMessage>>(
      [&](auto done) { queues_->Put("ctrl", std::string("a\0b", 3), 0s, kWeek, done); });
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("base64"));
}

TEST_F(AzureQueueStoreTest, AWrongKeyIsPermissionDeniedNamingTheAccount) {
  auto wrong = Open(azurite_->Connection("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  ASSERT_NE(wrong, nullptr);
  auto r = Await<StatusOr<QueueMessage>>(
      [&](auto done) { wrong->Put("wrong-key", "x", 0s, kWeek, done); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(),
              HasSubstr("Azure Storage refused the request for account 'devstoreaccount1'"));
  EXPECT_THAT(r.status().message(), HasSubstr("AuthenticationFailed"));
  EXPECT_THAT(r.status().message(), HasSubstr("AccountKey"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("AAAAAAAAAAAA")));
  auto g = Await<Messages>([&](auto done) { wrong->Get("wrong-key", 1, 30s, "i", done); });
  EXPECT_EQ(g.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(AzureQueueStoreTest, NothingListeningIsUnavailableNamingTheEndpoint) {
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  StorageConnection nowhere = azurite_->Connection();
  nowhere.queue_endpoint.port = *port;
  auto offline = Open(nowhere);
  ASSERT_NE(offline, nullptr);
  auto r = Await<StatusOr<std::int64_t>>([&](auto done) { offline->Length("q-offline", done); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("127.0.0.1:" + std::to_string(*port)));
  EXPECT_THAT(r.status().message(), HasSubstr("devstoreaccount1"));
}

TEST_F(AzureQueueStoreTest, CallbacksNeverRunInline) {
  bool called = false;
  queues_->Put("Bad Name", "x", 0s, kWeek, [&](StatusOr<QueueMessage>) { called = true; });
  queues_->ReleaseLeases("instance-1", [&](StatusOr<std::int64_t> n) {
    EXPECT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
  });
  EXPECT_FALSE(called);
  auto r =
      Await<StatusOr<std::int64_t>>([&](auto done) { queues_->ReleaseLeases("instance-1", done); });
  EXPECT_TRUE(called);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0);
}

}  // namespace
}  // namespace squall
