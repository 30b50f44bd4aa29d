#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "config/app_config.h"

namespace squall {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

std::optional<Duration> Parse(const std::string& text) {
  std::optional<Duration> out = seconds(12345);  // overwritten on success
  EXPECT_TRUE(ParseTimeSpan(text, &out)) << text;
  return out;
}

bool Rejects(const std::string& text) {
  std::optional<Duration> out = seconds(12345);
  bool ok = ParseTimeSpan(text, &out);
  EXPECT_EQ(out, std::optional<Duration>(seconds(12345))) << "output untouched on failure";
  return !ok;
}

TEST(ParseTimeSpanTest, HoursMinutesSeconds) {
  EXPECT_EQ(Parse("00:05:00"), Duration(minutes(5)));
  EXPECT_EQ(Parse("01:02:03"), Duration(hours(1) + minutes(2) + seconds(3)));
  EXPECT_EQ(Parse("23:59:59"), Duration(hours(23) + minutes(59) + seconds(59)));
  EXPECT_EQ(Parse("0:0:1"), Duration(seconds(1)));  // one-digit fields, as TimeSpan allows
  EXPECT_EQ(Parse("00:00:00"), Duration::zero());   // parses; callers reject non-positive
}

TEST(ParseTimeSpanTest, DaysPrefix) {
  EXPECT_EQ(Parse("1.00:00:00"), Duration(hours(24)));
  EXPECT_EQ(Parse("2.03:04:05"), Duration(hours(51) + minutes(4) + seconds(5)));
  EXPECT_EQ(Parse("106750.23:59:59"),
            Duration(hours(106750 * 24 + 23) + minutes(59) + seconds(59)));
}

TEST(ParseTimeSpanTest, FractionalSeconds) {
  EXPECT_EQ(Parse("00:00:01.5"), Duration(milliseconds(1500)));
  EXPECT_EQ(Parse("00:00:00.001"), Duration(milliseconds(1)));
  EXPECT_EQ(Parse("00:00:00.0000001"), Duration(nanoseconds(100)));  // 7 digits: 100 ns ticks
  EXPECT_EQ(Parse("1.00:00:00.25"), Duration(hours(24) + milliseconds(250)));
}

TEST(ParseTimeSpanTest, MinusOneIsUnbounded) {
  EXPECT_EQ(Parse("-1"), std::nullopt);
  EXPECT_EQ(Parse(" -1 "), std::nullopt);
}

TEST(ParseTimeSpanTest, NegativeDurationsParse) {
  EXPECT_EQ(Parse("-00:00:05"), Duration(-seconds(5)));
}

TEST(ParseTimeSpanTest, SurroundingWhitespaceIsAllowed) {
  EXPECT_EQ(Parse("  00:01:00\t"), Duration(minutes(1)));
}

TEST(ParseTimeSpanTest, RejectsMalformed) {
  for (const char* text : {"",
                           " ",
                           "abc",
                           "5",
                           "-2",
                           "1.5",
                           "00:05",
                           "00:05:",
                           ":05:00",
                           "00::00",
                           "00:05:00:00",
                           "00:05:00.",
                           "00:05:00.12345678",
                           "000:05:00",
                           "00:005:00",
                           "00:05:0a",
                           "1.2.00:00:00",
                           "+00:05:00",
                           "--00:05:00",
                           "00 :05:00",
                           "1.:00:00:00",
                           ".00:00:00",
                           "00:05:00x",
                           "１:00:00"}) {
    EXPECT_TRUE(Rejects(text)) << '"' << text << '"';
  }
}

TEST(ParseTimeSpanTest, RejectsOutOfRangeFields) {
  EXPECT_TRUE(Rejects("24:00:00"));
  EXPECT_TRUE(Rejects("00:60:00"));
  EXPECT_TRUE(Rejects("00:00:60"));
  EXPECT_TRUE(Rejects("106751.00:00:00"));  // past int64 nanoseconds
  EXPECT_TRUE(Rejects("9999999.00:00:00"));
}

}  // namespace
}  // namespace squall
