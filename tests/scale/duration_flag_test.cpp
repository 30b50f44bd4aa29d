#include "scale/duration_flag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

Duration Parse(std::string_view text) {
  auto d = ParseDurationFlag(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.ok() ? *d : Duration{-1};
}

TEST(DurationFlagTest, ParsesEachUnit) {
  EXPECT_EQ(Parse("500ms"), 500ms);
  EXPECT_EQ(Parse("1s"), 1s);
  EXPECT_EQ(Parse("60s"), 60s);
  EXPECT_EQ(Parse("5m"), 5min);
  EXPECT_EQ(Parse("1h"), 1h);
  EXPECT_EQ(Parse("0"), 0s);
  EXPECT_EQ(Parse("0s"), 0s);
}

TEST(DurationFlagTest, ParsesCombinationsAndFractions) {
  EXPECT_EQ(Parse("1m30s"), 90s);
  EXPECT_EQ(Parse("1h5m"), 65min);
  EXPECT_EQ(Parse("1.5s"), 1500ms);
  EXPECT_EQ(Parse("0.25m"), 15s);
  EXPECT_EQ(Parse("2.5ms"), 2500us);
  EXPECT_EQ(Parse("0.000000001s"), 1ns);
}

TEST(DurationFlagTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "5", "abc", "5x", "-5s", "s", "1.s", " 5s", "5s ", "5 s", "1m30",
                          "99999999999999999999h", "3000000h"}) {
    auto d = ParseDurationFlag(bad);
    EXPECT_FALSE(d.ok()) << "\"" << bad << "\"";
  }
}

TEST(DurationFlagTest, ErrorNamesTheFlagAndTheText) {
  auto d = ParseDurationFlag("5", "--idle-timeout");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("--idle-timeout: "));
  EXPECT_THAT(d.status().message(), HasSubstr("\"5\""));
  EXPECT_THAT(d.status().message(), HasSubstr("unit"));
}

TEST(DurationFlagTest, FormatsShortAndReadsBack) {
  EXPECT_EQ(FormatDurationFlag(0s), "0s");
  EXPECT_EQ(FormatDurationFlag(500ms), "500ms");
  EXPECT_EQ(FormatDurationFlag(1s), "1s");
  EXPECT_EQ(FormatDurationFlag(60s), "60s");
  EXPECT_EQ(FormatDurationFlag(90s), "90s");
  EXPECT_EQ(FormatDurationFlag(5min), "5m");
  EXPECT_EQ(FormatDurationFlag(90min), "90m");
  EXPECT_EQ(FormatDurationFlag(1h), "1h");
  EXPECT_EQ(FormatDurationFlag(1500ms), "1.5s");
  for (Duration d : {Duration{0s}, Duration{500ms}, Duration{60s}, Duration{5min}, Duration{1h},
                     Duration{1500ms}, Duration{61001ms}, Duration{3h}}) {
    EXPECT_EQ(Parse(FormatDurationFlag(d)), d) << FormatDurationFlag(d);
  }
}

TEST(DurationFlagTest, FormatsSecondsForReasons) {
  EXPECT_EQ(FormatSeconds(400ms), "0.4s");
  EXPECT_EQ(FormatSeconds(29s), "29s");
  EXPECT_EQ(FormatSeconds(1250ms), "1.25s");
  EXPECT_EQ(FormatSeconds(1ns), "0.001s");  // rounded up: never "+0s" while still waiting
  EXPECT_EQ(FormatSeconds(0s), "0s");
}

}  // namespace
}  // namespace squall
