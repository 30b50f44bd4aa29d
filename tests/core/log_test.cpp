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
