#include "triggers/queue_listener.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/base64.h"
#include "core/simulated_clock.h"
#include "tests/triggers/fake_queue_store.h"

namespace squall {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::FakeQueueStore;

class QueueListenerTest : public ::testing::Test {
 protected:
  QueueListenerTest() : store_(clock_) {
    fn_.name = "Work";
    options_.function = &fn_;
    options_.trigger_name = "item";
    options_.queue = "work";
    options_.settings.batch_size = 4;
    options_.new_batch_threshold = 2;
    options_.settings.max_polling_interval = 2s;
    options_.lease = 10min;
    options_.lease_owner = "i-1";
  }

  // Invocations are held until the test answers them.
  struct Pending {
    std::string value;
    int dequeue_count;
    std::function<void(StatusOr<std::string>)> done;
  };

  void StartListener() {
    QueueListener::Hooks hooks;
    hooks.invoke = [this](std::string body, std::function<void(StatusOr<std::string>)> done) {
      json::value v = json::parse(body);
      const json::value& item = v.at("Data").at("item");
      pending_.push_back({item.is_string() ? std::string(item.get_string()) : json::serialize(item),
                          static_cast<int>(v.at("Metadata").at("DequeueCount").to_number<int>()),
                          std::move(done)});
    };
    hooks.accepting = [this] { return accepting_; };
    hooks.random = [] { return 0.5; };
    if (dynamic_level_ >= 0) {
      hooks.available = [this](int pending) {
        return throttled_ ? 0 : std::max(0, dynamic_level_ - pending);
      };
    }
    listener_ = std::make_shared<QueueListener>(options_, store_, clock_, hooks);
    listener_->Start();
  }

  void Put(const std::string& text, const std::string& queue = "work") {
    store_.Put(queue, options_.settings.base64_encoding ? Base64Encode(text) : text, 0s, 24h,
               [](StatusOr<QueueMessage>) {});
  }

  void AnswerAll(bool ok) {
    auto batch = std::move(pending_);
    pending_.clear();
    for (auto& p : batch) {
      if (ok) {
        p.done(std::string(R"({"Outputs":{}})"));
      } else {
        p.done(Internal("worker said 500"));
      }
    }
  }

  SimulatedClock clock_;
  FakeQueueStore store_;
  FunctionConfig fn_;
  QueueListenerOptions options_;
  std::shared_ptr<QueueListener> listener_;
  std::vector<Pending> pending_;
  bool accepting_ = true;
  int dynamic_level_ = -1;  // >= 0: dynamic concurrency at this level
  bool throttled_ = false;
};

TEST_F(QueueListenerTest, RunsMessagesAndDeletesThemOnSuccess) {
  Put("a");
  Put(R"({"n": 1})");
  StartListener();
  ASSERT_EQ(pending_.size(), 2u);
  EXPECT_EQ(pending_[0].value, "a");
  EXPECT_EQ(pending_[1].value, R"({"n":1})");
  AnswerAll(true);
  EXPECT_EQ(store_.size("work"), 0u);
  EXPECT_EQ(listener_->stats().processed, 2);
  EXPECT_EQ(listener_->stats().in_flight, 0);
}

TEST_F(QueueListenerTest, AtMostBatchSizePlusThresholdRunAtOnce) {
  for (int i = 0; i < 20; ++i) Put("m" + std::to_string(i));
  StartListener();
  // batch 4 -> 4 in flight (> threshold 2): no more until two settle.
  EXPECT_EQ(pending_.size(), 4u);
  pending_[0].done(std::string("{}"));
  EXPECT_EQ(listener_->stats().in_flight, 3);
  pending_[1].done(std::string("{}"));
  // Down to the threshold: one more batch of 4 (6 in flight = batch + threshold).
  EXPECT_EQ(listener_->stats().in_flight, 6);
  EXPECT_EQ(pending_.size(), 8u);
}

TEST_F(QueueListenerTest, DynamicConcurrencyLevelDecidesHowManyRun) {
  for (int i = 0; i < 20; ++i) Put("m" + std::to_string(i));
  dynamic_level_ = 3;  // batchSize 4 / threshold 2 no longer apply
  StartListener();
  EXPECT_EQ(listener_->stats().in_flight, 3);
  pending_[0].done(std::string("{}"));
  EXPECT_EQ(listener_->stats().in_flight, 3) << "a freed slot is filled at once";
  EXPECT_EQ(pending_.size(), 4u);
  dynamic_level_ = 7;
  pending_[1].done(std::string("{}"));
  EXPECT_EQ(listener_->stats().in_flight, 7);
}

TEST_F(QueueListenerTest, AThrottledHostTakesNoNewMessagesUntilHealthy) {
  for (int i = 0; i < 10; ++i) Put("m" + std::to_string(i));
  dynamic_level_ = 2;
  StartListener();
  ASSERT_EQ(pending_.size(), 2u);
  throttled_ = true;
  AnswerAll(true);
  EXPECT_EQ(listener_->stats().in_flight, 0);
  clock_.Advance(5s);
  EXPECT_TRUE(pending_.empty()) << "took messages while throttled";
  throttled_ = false;
  clock_.Advance(1s);  // looked at again each second
  EXPECT_EQ(pending_.size(), 2u);
}

TEST_F(QueueListenerTest, FailureMakesTheMessageVisibleAgainAfterVisibilityTimeout) {
  options_.settings.visibility_timeout = 30s;
  Put("x");
  StartListener();
  ASSERT_EQ(pending_.size(), 1u);
  AnswerAll(false);
  EXPECT_EQ(store_.size("work"), 1u);
  clock_.Advance(29s);
  EXPECT_TRUE(pending_.empty());
  clock_.Advance(3s);  // visible again; the listener's back-off poll finds it
  ASSERT_EQ(pending_.size(), 1u);
  EXPECT_EQ(pending_[0].dequeue_count, 2);
}

TEST_F(QueueListenerTest, AfterMaxDequeueCountFailuresTheMessageIsPoisoned) {
  options_.settings.max_dequeue_count = 3;
  Put("bad");
  StartListener();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_EQ(pending_.size(), 1u) << attempt;
    EXPECT_EQ(pending_[0].dequeue_count, attempt);
    AnswerAll(false);
    clock_.Advance(1s);
  }
  EXPECT_TRUE(pending_.empty());
  EXPECT_EQ(store_.size("work"), 0u);
  ASSERT_EQ(store_.size("work-poison"), 1u);
  EXPECT_EQ(store_.messages("work-poison")[0].text, Base64Encode("bad"));  // as it was stored
  EXPECT_EQ(listener_->stats().poisoned, 1);
}

TEST_F(QueueListenerTest, InvalidBase64GoesToPoisonWithoutRunning) {
  store_.Put("work", "not base64!", 0s, 24h, [](StatusOr<QueueMessage>) {});
  StartListener();
  EXPECT_TRUE(pending_.empty());
  EXPECT_EQ(store_.size("work"), 0u);
  EXPECT_EQ(store_.size("work-poison"), 1u);
}

TEST_F(QueueListenerTest, EncodingNonePassesTextAsIs) {
  options_.settings.base64_encoding = false;
  Put("not base64!");
  StartListener();
  ASSERT_EQ(pending_.size(), 1u);
  EXPECT_EQ(pending_[0].value, "not base64!");
}

TEST_F(QueueListenerTest, LongInvocationsRenewTheirLease) {
  Put("slow");
  StartListener();
  ASSERT_EQ(pending_.size(), 1u);
  clock_.Advance(25min);  // renewed at 5, 10, 15, 20, 25 min
  EXPECT_EQ(store_.updates, 5);
  // Still invisible to other getters, and the renewed receipt still deletes it.
  AnswerAll(true);
  EXPECT_EQ(store_.size("work"), 0u);
  EXPECT_EQ(listener_->stats().processed, 1);
}

TEST_F(QueueListenerTest, EmptyQueueBacksOffAndWakeResetsIt) {
  StartListener();
  EXPECT_EQ(store_.gets, 1);
  clock_.Advance(100ms);
  EXPECT_EQ(store_.gets, 2);
  clock_.Advance(200ms);
  EXPECT_EQ(store_.gets, 3);
  clock_.Advance(10s);  // 400, 800, 1600, then 2 s steps
  int before = store_.gets;
  Put("now");
  listener_->Wake();
  // The woken poll finds the message at once (then looks again, as there is room).
  EXPECT_EQ(store_.gets, before + 2);
  ASSERT_EQ(pending_.size(), 1u);
}

TEST_F(QueueListenerTest, DrainingHostTakesNothingNew) {
  accepting_ = false;
  Put("x");
  StartListener();
  EXPECT_EQ(store_.gets, 0);
  clock_.Advance(5s);
  EXPECT_TRUE(pending_.empty());
  accepting_ = true;
  clock_.Advance(1s);
  EXPECT_EQ(pending_.size(), 1u);
}

TEST_F(QueueListenerTest, RefusedInvocationReleasesTheMessageAtOnce) {
  options_.settings.visibility_timeout = 1h;
  Put("x");
  StartListener();
  ASSERT_EQ(pending_.size(), 1u);
  pending_[0].done(Unavailable("draining"));
  pending_.clear();
  EXPECT_EQ(store_.size("work"), 1u);
  EXPECT_LE(store_.messages("work")[0].next_visible_time, clock_.WallNow());
}

TEST_F(QueueListenerTest, StopEndsPollingButSettlesWhatRuns) {
  Put("a");
  StartListener();
  listener_->Stop();
  int gets = store_.gets;
  AnswerAll(true);
  clock_.Advance(10s);
  EXPECT_EQ(store_.gets, gets);
  EXPECT_EQ(store_.size("work"), 0u);
}

}  // namespace
}  // namespace squall
