#include "memory/baseline.h"

#include <gtest/gtest.h>

#include "memory_samples.h"

namespace squall {
namespace {

using testing::At;
using testing::kMiB;

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({5}), 5);
  EXPECT_EQ(Median({9, 1, 5}), 5);
  EXPECT_EQ(Median({1, 2, 3, 10}), 2);                   // (2 + 3) / 2 rounded down
  EXPECT_EQ(Median({INT64_MAX, INT64_MAX}), INT64_MAX);  // no overflow
}

TEST(WorkingSetTest, ResidentSetsOfHostAndWorker) {
  MemorySample s;
  s.host = {100, 60, 1};
  s.worker = {50, 30, 2};
  EXPECT_EQ(WorkingSet(s), 150);
  EXPECT_EQ(HostWorkingSet(s), 100);
  EXPECT_EQ(WorkerWorkingSet(s), 50);
  s.worker.pss = -1;  // PSS unknown: the working set does not need it
  EXPECT_EQ(WorkingSet(s), 150);
  s.worker = {};  // no worker process found
  EXPECT_EQ(WorkingSet(s), 100);
  s.host.rss = s.worker.rss = INT64_MAX;
  s.worker.processes = 1;
  EXPECT_EQ(WorkingSet(s), INT64_MAX);  // saturates
}

TEST(BaselineTest, SteadyMedianExcludesWarmUpSamples) {
  // Warm-up samples are huge; the steady ones are 40 + 60 MiB.
  auto samples = testing::Run(
      "i-1", "1.0.0", "c1", At(0), 20, 5, [](int k) { return k < 5 ? 500 * kMiB : 40 * kMiB; },
      [](int) { return 60 * kMiB; });
  auto b = ComputeBaselines(samples, {});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].samples, 20);
  EXPECT_EQ(b[0].steady_samples, 15);
  EXPECT_TRUE(b[0].ready);
  EXPECT_EQ(b[0].median, 100 * kMiB);
  EXPECT_EQ(b[0].host_median, 40 * kMiB);
  EXPECT_EQ(b[0].worker_median, 60 * kMiB);
  EXPECT_EQ(b[0].min, 100 * kMiB);
  EXPECT_EQ(b[0].max, 100 * kMiB);
  EXPECT_EQ(b[0].first_seen, At(0));
  EXPECT_EQ(b[0].last_seen, At(0) + std::chrono::seconds(190));
}

TEST(BaselineTest, NotReadyUntilEnoughSteadySamples) {
  auto samples = testing::Flat("i-1", "1.0.0", "c1", At(0), 8, 40 * kMiB, 60 * kMiB);
  auto b = ComputeBaselines(samples, {.min_steady_samples = 6});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].steady_samples, 5);  // 8 samples, 3 of warm-up
  EXPECT_FALSE(b[0].ready);
  EXPECT_EQ(b[0].median, 100 * kMiB);  // computed anyway, for display
}

TEST(BaselineTest, OneBaselinePerKeyOldestFirstPoolingInstancesAndRuns) {
  std::vector<MemorySample> samples;
  // Given newest first: order comes from the samples' times, not their order.
  testing::Append(samples, testing::Flat("i-3", "2.0.0", "c1", At(60), 10, 40 * kMiB, 60 * kMiB));
  testing::Append(samples, testing::Flat("i-1", "1.0.0", "c1", At(0), 10, 40 * kMiB, 60 * kMiB));
  testing::Append(samples, testing::Flat("i-2", "1.0.0", "c1", At(30), 10, 40 * kMiB, 60 * kMiB));
  testing::Append(samples, testing::Flat("i-4", "1.0.0", "c2", At(90), 10, 40 * kMiB, 60 * kMiB));
  auto b = ComputeBaselines(samples, {});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].key, (VersionKey{"1.0.0", "c1"}));
  EXPECT_EQ(b[0].instances, 2);
  EXPECT_EQ(b[0].steady_samples, 14);
  EXPECT_EQ(b[1].key, (VersionKey{"2.0.0", "c1"}));
  EXPECT_EQ(b[2].key, (VersionKey{"1.0.0", "c2"}));
}

}  // namespace
}  // namespace squall
