#include "memory/step_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "memory_samples.h"

namespace squall {
namespace {

using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kMiB;
using ::testing::Not;

MemoryReport Report(const std::vector<MemorySample>& samples) {
  return BuildMemoryReport(samples, BaselineOptions{}, StepOptions{});
}

TEST(StepThresholdTest, TwentyMiBOrTenPercentWhicheverIsLarger) {
  EXPECT_EQ(StepThreshold(100 * kMiB, {}), 20 * kMiB);
  EXPECT_EQ(StepThreshold(200 * kMiB, {}), 20 * kMiB);
  EXPECT_EQ(StepThreshold(400 * kMiB, {}), 40 * kMiB);
  EXPECT_EQ(StepThreshold(0, {}), 20 * kMiB);
  EXPECT_GT(StepThreshold(INT64_MAX, {}), 0);
}

TEST(StepDetectorTest, FlatRunsAcrossVersionsRaiseNoAlarm) {
  std::vector<MemorySample> s;
  // Same memory under three versions, with a few MiB of noise and different instances.
  testing::Append(s,
                  testing::Flat("i-1", "1.0.0", "c1", At(0), 30, 40 * kMiB, 60 * kMiB, 3 * kMiB));
  testing::Append(s,
                  testing::Flat("i-2", "1.0.1", "c1", At(10), 30, 42 * kMiB, 61 * kMiB, 3 * kMiB));
  testing::Append(s,
                  testing::Flat("i-3", "1.0.2", "c1", At(20), 30, 39 * kMiB, 58 * kMiB, 4 * kMiB));
  MemoryReport r = Report(s);
  ASSERT_EQ(r.steps.size(), 2u);
  for (const auto& step : r.steps) {
    EXPECT_FALSE(step.regression) << DescribeStep(step);
    EXPECT_LE(step.delta < 0 ? -step.delta : step.delta, 10 * kMiB);
    EXPECT_THAT(step.pin_back, IsEmpty());
  }
}

TEST(StepDetectorTest, TwoRunsOfTheSameVersionAreOneBaselineAndNoStep) {
  std::vector<MemorySample> s;
  testing::Append(s,
                  testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB, 2 * kMiB));
  testing::Append(s,
                  testing::Flat("i-1", "1.0.0", "c1", At(60), 20, 41 * kMiB, 62 * kMiB, 2 * kMiB));
  MemoryReport r = Report(s);
  ASSERT_EQ(r.baselines.size(), 1u);
  EXPECT_EQ(r.baselines[0].steady_samples, 34);
  EXPECT_THAT(r.steps, IsEmpty());
}

TEST(StepDetectorTest, FiftyMiBMoreUnderANewVersionIsARegressionWithPinBack) {
  std::vector<MemorySample> s;
  testing::Append(s,
                  testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB, 2 * kMiB));
  testing::Append(s,
                  testing::Flat("i-2", "1.0.1", "c1", At(10), 20, 40 * kMiB, 61 * kMiB, 2 * kMiB));
  testing::Append(s,
                  testing::Flat("i-3", "2.0.0", "c1", At(20), 20, 40 * kMiB, 110 * kMiB, 2 * kMiB));
  MemoryReport r = Report(s);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_FALSE(r.steps[0].regression);
  const MemoryStep& step = r.steps[1];
  EXPECT_TRUE(step.regression);
  EXPECT_EQ(step.from, (VersionKey{"1.0.1", "c1"}));
  EXPECT_EQ(step.to, (VersionKey{"2.0.0", "c1"}));
  EXPECT_EQ(step.delta, 49 * kMiB);
  EXPECT_EQ(step.threshold, 20 * kMiB);
  EXPECT_EQ(step.cause, "host version");
  EXPECT_EQ(step.from_samples, 17);
  EXPECT_EQ(step.to_samples, 17);
  EXPECT_THAT(step.pin_back, ElementsAre("1.0.1", "1.0.0"));  // latest first
  std::string line = DescribeStep(step);
  EXPECT_THAT(line, HasSubstr("rose by 49.0 MiB"));
  EXPECT_THAT(line, HasSubstr("from host version 1.0.1 to 2.0.0"));
  EXPECT_THAT(line, HasSubstr("103.0 MiB of 17 steady samples → 152.0 MiB of 17"));
  EXPECT_THAT(line, HasSubstr("pin back with SQUALL_HOST_VERSION=1.0.1"));
  EXPECT_EQ(r.current, (VersionKey{"2.0.0", "c1"}));
}

TEST(StepDetectorTest, ThresholdIsTheLargerOfTwentyMiBAndTenPercent) {
  auto step_for = [](std::int64_t before, std::int64_t after) {
    std::vector<MemorySample> s;
    testing::Append(s, testing::Flat("i-1", "a", "c", At(0), 12, 0, before));
    testing::Append(s, testing::Flat("i-2", "b", "c", At(10), 12, 0, after));
    MemoryReport r = Report(s);
    EXPECT_EQ(r.steps.size(), 1u);
    return r.steps.empty() ? MemoryStep{} : r.steps[0];
  };
  EXPECT_FALSE(step_for(100 * kMiB, 119 * kMiB).regression);  // +19 MiB < 20 MiB
  EXPECT_FALSE(step_for(100 * kMiB, 120 * kMiB).regression);  // not more than 20 MiB
  EXPECT_TRUE(step_for(100 * kMiB, 121 * kMiB).regression);
  EXPECT_FALSE(step_for(400 * kMiB, 430 * kMiB).regression);  // +30 MiB < 10 % of 400
  EXPECT_TRUE(step_for(400 * kMiB, 445 * kMiB).regression);
  EXPECT_FALSE(step_for(400 * kMiB, 100 * kMiB).regression);  // a fall is no regression
  EXPECT_THAT(DescribeStep(step_for(400 * kMiB, 100 * kMiB)), HasSubstr("fell by 300.0 MiB"));
}

TEST(StepDetectorTest, WarmUpAndASingleSpikeDoNotMakeAStep) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB));
  // 2.0.0 starts 300 MiB high while warming up, and spikes once later: same steady memory.
  auto second = testing::Run(
      "i-2", "2.0.0", "c1", At(10), 20, 3, [](int) { return 40 * kMiB; },
      [](int k) { return k < 3 || k == 12 ? 360 * kMiB : 60 * kMiB; });
  testing::Append(s, second);
  MemoryReport r = Report(s);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_FALSE(r.steps[0].regression) << DescribeStep(r.steps[0]);
  EXPECT_EQ(r.steps[0].delta, 0);
  EXPECT_EQ(r.baselines[1].max, 400 * kMiB);  // the spike is in the evidence, not the median
}

TEST(StepDetectorTest, ABaselineIsComparedOnlyOnceReady) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB));
  auto young = testing::Flat("i-2", "2.0.0", "c1", At(10), 8, 40 * kMiB, 110 * kMiB);  // 5 steady
  testing::Append(s, young);
  EXPECT_THAT(Report(s).steps, IsEmpty());
  testing::Append(s, testing::Flat("i-3", "2.0.0", "c1", At(12), 5, 40 * kMiB, 110 * kMiB));
  auto r = Report(s);  // 5 + 2 steady samples
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_TRUE(r.steps[0].regression);
}

TEST(StepDetectorTest, AShortRunInBetweenIsSkippedNotCompared) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB));
  testing::Append(s, testing::Flat("i-2", "1.5.0", "c1", At(5), 4, 40 * kMiB, 500 * kMiB));
  testing::Append(s, testing::Flat("i-3", "2.0.0", "c1", At(10), 20, 40 * kMiB, 62 * kMiB));
  auto r = Report(s);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].from.host_version, "1.0.0");
  EXPECT_EQ(r.steps[0].to.host_version, "2.0.0");
  EXPECT_FALSE(r.steps[0].regression);
}

TEST(StepDetectorTest, AContentChangeIsNamedAndHasNoVersionToPinBackTo) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB));
  testing::Append(s, testing::Flat("i-2", "1.0.0", "c2", At(10), 20, 40 * kMiB, 120 * kMiB));
  auto r = Report(s);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_TRUE(r.steps[0].regression);
  EXPECT_EQ(r.steps[0].cause, "app content");
  EXPECT_THAT(r.steps[0].pin_back, IsEmpty());
  EXPECT_THAT(DescribeStep(r.steps[0]), HasSubstr("the app content changed from c1 to c2"));
  EXPECT_THAT(DescribeStep(r.steps[0]), Not(HasSubstr("pin back")));
}

TEST(StepDetectorTest, PinnedBackTheRegressionStaysOnRecordAndCurrentIsTheOldVersion) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 20, 40 * kMiB, 60 * kMiB));
  testing::Append(s, testing::Flat("i-2", "2.0.0", "c1", At(10), 20, 40 * kMiB, 110 * kMiB));
  testing::Append(s, testing::Flat("i-3", "1.0.0", "c1", At(20), 20, 40 * kMiB, 60 * kMiB));
  auto r = Report(s);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_TRUE(r.steps[0].regression);
  EXPECT_EQ(r.current, (VersionKey{"1.0.0", "c1"}));
}

TEST(StepDetectorTest, NoSamplesNoBaselines) {
  auto r = Report({});
  EXPECT_THAT(r.baselines, IsEmpty());
  EXPECT_THAT(r.steps, IsEmpty());
  EXPECT_FALSE(r.current.has_value());
}

}  // namespace
}  // namespace squall
