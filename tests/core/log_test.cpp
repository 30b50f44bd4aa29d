#include "core/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace squall {
namespace {

TEST(ParseLogLevelTest, AcceptsAzureNames) {
  const std::pair<const char*, LogLevel> cases[] = {
      {"Trace", LogLevel::kTrace},       {"Debug", LogLevel::kDebug},
      {"Information", LogLevel::kInformation}, {"Warning", LogLevel::kWarning},
      {"Error", LogLevel::kError},       {"Critical", LogLevel::kCritical},
      {"None", LogLevel::kNone}};
  for (const auto& [name, level] : cases) {
    LogLevel out = level == LogLevel::kTrace ? LogLevel::kNone : LogLevel::kTrace;
    ASSERT_TRUE(ParseLogLevel(name, &out)) << name;
    EXPECT_EQ(out, level) << name;
  }
}

TEST(ParseLogLevelTest, IgnoresCase) {
  LogLevel out = LogLevel::kTrace;
  ASSERT_TRUE(ParseLogLevel("WARNING", &out));
  EXPECT_EQ(out, LogLevel::kWarning);
  ASSERT_TRUE(ParseLogLevel("information", &out));
  EXPECT_EQ(out, LogLevel::kInformation);
  ASSERT_TRUE(ParseLogLevel("cRiTiCaL", &out));
  EXPECT_EQ(out, LogLevel::kCritical);
  ASSERT_TRUE(ParseLogLevel("none", &out));
  EXPECT_EQ(out, LogLevel::kNone);
  ASSERT_TRUE(ParseLogLevel("TRACE", &out));
  EXPECT_EQ(out, LogLevel::kTrace);
}

TEST(ParseLogLevelTest, RejectsOtherNamesAndLeavesOutputAlone) {
  for (const char* bad : {"", "info", "warn", "err", "fatal", "Informations", "Debu", " Debug",
                          "Debug ", "Trace\n", "verbose", "0"}) {
    LogLevel out = LogLevel::kCritical;
    EXPECT_FALSE(ParseLogLevel(bad, &out)) << '"' << bad << '"';
    EXPECT_EQ(out, LogLevel::kCritical) << '"' << bad << '"';
  }
}

TEST(ParseLogLevelTest, DoesNotReadPastTheView) {
  std::string text = "Debugging";
  LogLevel out = LogLevel::kNone;
  ASSERT_TRUE(ParseLogLevel(std::string_view(text).substr(0, 5), &out));
  EXPECT_EQ(out, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel(text, &out));
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

class CategoryLevelTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetCategoryLogLevels({});
    SetLogLevel(LogLevel::kInformation);
  }
};

TEST_F(CategoryLevelTest, LongestPrefixWins) {
  SetLogLevel(LogLevel::kInformation);
  SetCategoryLogLevels({{"Function", LogLevel::kWarning}, {"Function.hello", LogLevel::kDebug}});
  EXPECT_FALSE(LogEnabled(LogLevel::kInformation, "Function.other"));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarning, "Function.other"));
  EXPECT_TRUE(LogEnabled(LogLevel::kDebug, "Function.hello"));
  EXPECT_TRUE(LogEnabled(LogLevel::kInformation, "Host"));
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug, "Host"));
}

TEST_F(CategoryLevelTest, PrefixMatchesWholeSegmentsOnly) {
  SetCategoryLogLevels({{"Host", LogLevel::kError}});
  EXPECT_FALSE(LogEnabled(LogLevel::kWarning, "Host.Worker"));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarning, "HostX"));  // not a "Host" sub-category
}

TEST_F(CategoryLevelTest, NoneSilencesACategory) {
  SetCategoryLogLevels({{"Worker", LogLevel::kNone}});
  EXPECT_FALSE(LogEnabled(LogLevel::kCritical, "Worker"));
  EXPECT_TRUE(LogEnabled(LogLevel::kCritical, "Host"));
}

}  // namespace
}  // namespace squall
