#include "scale/queue_target.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

TEST(QueueTargetTest, CeilOfLengthOverBatchPlusThreshold) {
  // Defaults on 2 cores: batchSize 16 + newBatchThreshold 16 = 32 per instance.
  EXPECT_EQ(QueueDesiredInstances(0, 16, 16), 0);
  EXPECT_EQ(QueueDesiredInstances(1, 16, 16), 1);
  EXPECT_EQ(QueueDesiredInstances(32, 16, 16), 1);
  EXPECT_EQ(QueueDesiredInstances(33, 16, 16), 2);
  EXPECT_EQ(QueueDesiredInstances(100000, 16, 16), 3125);
  EXPECT_EQ(QueueDesiredInstances(5, 1, 0), 5);
}

TEST(QueueTargetTest, ReasonNamesTheQueueAndLength) {
  TriggerTarget t = QueueTriggerTarget("Work", "orders", 512, 16, 16);
  EXPECT_EQ(t.function, "Work");
  EXPECT_EQ(t.trigger_type, "queueTrigger");
  EXPECT_EQ(t.desired, 16);
  EXPECT_NE(t.reason.find("queue 'orders' length 512"), std::string::npos);
}

}  // namespace
}  // namespace squall
