#include "triggers/queue_polling.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

using namespace std::chrono_literals;

TEST(QueuePollingTest, EmptyPollsBackOffFrom100msDoublingToTheMaximum) {
  Duration d = Duration::zero();
  std::vector<Duration> seen;
  for (int i = 0; i < 12; ++i) {
    d = NextEmptyPollDelay(d, 1min, 0.5);  // 0.5: no jitter
    seen.push_back(d);
  }
  EXPECT_EQ(seen[0], 100ms);
  EXPECT_EQ(seen[1], 200ms);
  EXPECT_EQ(seen[2], 400ms);
  EXPECT_EQ(seen.back(), 1min);
}

TEST(QueuePollingTest, JitterStaysWithinTwentyPercentAndTheMaximum) {
  EXPECT_EQ(NextEmptyPollDelay(1s, 1min, 0.0), 1600ms);
  EXPECT_EQ(NextEmptyPollDelay(1s, 1min, 0.999999).count() / 1'000'000, 2399);
  EXPECT_EQ(NextEmptyPollDelay(1min, 1min, 0.999), 1min);  // never past the maximum
  EXPECT_EQ(NextEmptyPollDelay(0s, 2s, 0.0), 100ms);       // never below the minimum
}

TEST(QueuePollingTest, ANewBatchComesWhenInFlightDropsToTheThreshold) {
  // batchSize 16, newBatchThreshold 8: at most 24 at once.
  EXPECT_TRUE(HasRoomForBatch(0, 8));
  EXPECT_TRUE(HasRoomForBatch(8, 8));
  EXPECT_FALSE(HasRoomForBatch(9, 8));
  EXPECT_EQ(MessagesToFetch(0, 16, 8), 16);
  EXPECT_EQ(MessagesToFetch(8, 16, 8), 16);
  EXPECT_EQ(MessagesToFetch(20, 16, 8), 4);
  EXPECT_EQ(MessagesToFetch(0, 32, 64), 32);  // Azure's 32 per Get
}

}  // namespace
}  // namespace squall
