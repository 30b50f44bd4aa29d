#include "memory/report_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "memory_samples.h"

namespace squall {
namespace {

using testing::At;
using ::testing::HasSubstr;
using testing::kMiB;
using ::testing::Not;

std::vector<MemorySample> Regressed() {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 10, 40 * kMiB, 60 * kMiB));
  testing::Append(s, testing::Flat("i-2", "2.0.0", "c1", At(10), 10, 40 * kMiB, 110 * kMiB));
  return s;
}

TEST(ReportFormatTest, JsonHasBaselinesChangesAndPinBackWithInstalledFlags) {
  auto samples = Regressed();
  MemoryReport r = BuildMemoryReport(samples, {}, {});
  ReportExtras extras;
  extras.installed = std::set<std::string>{"2.0.0"};
  auto v = boost::json::parse(MemoryReportJson(r, extras)).as_object();
  EXPECT_EQ(v.at("samples").as_int64(), 20);
  EXPECT_EQ(v.at("regressions").as_int64(), 1);
  EXPECT_EQ(v.at("current").at("hostVersion").as_string(), "2.0.0");
  const auto& b = v.at("baselines").as_array();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].at("hostVersion").as_string(), "1.0.0");
  EXPECT_EQ(b[0].at("baselineBytes").as_int64(), 100 * kMiB);
  EXPECT_EQ(b[0].at("workerBytes").as_int64(), 60 * kMiB);
  EXPECT_EQ(b[0].at("steadySamples").as_int64(), 7);
  EXPECT_TRUE(b[0].at("ready").as_bool());
  EXPECT_FALSE(b[0].as_object().contains("sampleList"));
  const auto& c = v.at("changes").as_array();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0].at("regression").as_bool());
  EXPECT_EQ(c[0].at("deltaBytes").as_int64(), 50 * kMiB);
  EXPECT_EQ(c[0].at("cause").as_string(), "host version");
  const auto& pins = c[0].at("pinBack").as_array();
  ASSERT_EQ(pins.size(), 1u);
  EXPECT_EQ(pins[0].at("hostVersion").as_string(), "1.0.0");
  EXPECT_FALSE(pins[0].at("installed").as_bool());
}

TEST(ReportFormatTest, JsonListsTheSamplesBehindEachBaselineWhenAsked) {
  auto samples = Regressed();
  MemoryReport r = BuildMemoryReport(samples, {}, {});
  ReportExtras extras;
  extras.samples = &samples;
  auto v = boost::json::parse(MemoryReportJson(r, extras)).as_object();
  const auto& list = v.at("baselines").as_array()[1].at("sampleList").as_array();
  ASSERT_EQ(list.size(), 10u);
  EXPECT_EQ(list[0].at("instance").as_string(), "i-2");
  EXPECT_FALSE(list[0].at("steady").as_bool());
  EXPECT_EQ(list[9].at("workingSetBytes").as_int64(), 150 * kMiB);
  EXPECT_EQ(list[9].at("workerRssBytes").as_int64(), 110 * kMiB);
  EXPECT_EQ(list[9].at("workerPssBytes").as_int64(), 107 * kMiB);
}

TEST(ReportFormatTest, TextNamesTheRegressionAndWhereToPin) {
  auto samples = Regressed();
  MemoryReport r = BuildMemoryReport(samples, {}, {});
  ReportExtras extras;
  extras.installed = std::set<std::string>{"1.0.0"};
  std::string text = MemoryReportText(r, extras);
  EXPECT_THAT(text, HasSubstr("REGRESSION: working set rose by 50.0 MiB"));
  EXPECT_THAT(text, HasSubstr("SQUALL_HOST_VERSION in local.settings.json Values to 1.0.0 "
                              "(installed)"));
  EXPECT_THAT(text, HasSubstr("150.0 MiB"));
}

TEST(ReportFormatTest, FlatAndEmptyReportsSaySo) {
  std::vector<MemorySample> s;
  testing::Append(s, testing::Flat("i-1", "1.0.0", "c1", At(0), 10, 40 * kMiB, 60 * kMiB));
  testing::Append(s, testing::Flat("i-2", "1.0.1", "c1", At(10), 10, 40 * kMiB, 61 * kMiB));
  std::string text = MemoryReportText(BuildMemoryReport(s, {}, {}), {});
  EXPECT_THAT(text, HasSubstr("ok: working set rose by 1.0 MiB"));
  EXPECT_THAT(text, Not(HasSubstr("REGRESSION")));
  EXPECT_EQ(MemoryReportText(BuildMemoryReport({}, {}, {}), {}), "no memory samples yet\n");
}

}  // namespace
}  // namespace squall
