#include "timer/time_span.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

Duration MustParse(const std::string& text) {
  StatusOr<Duration> d = ParseScheduleTimeSpan(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? *d : Duration::zero();
}

TEST(TimeSpanTest, CommonIntervals) {
  EXPECT_EQ(MustParse("00:05:00"), 5min);
  EXPECT_EQ(MustParse("01:00:00"), 1h);
  EXPECT_EQ(MustParse("00:00:03"), 3s);
  EXPECT_EQ(MustParse("23:59:59"), 23h + 59min + 59s);
  EXPECT_EQ(MustParse("1.00:00:00"), 24h);
  EXPECT_EQ(MustParse("2.12:30:15"), 48h + 12h + 30min + 15s);
  EXPECT_EQ(MustParse(" 00:05:00 "), 5min);
}

TEST(TimeSpanTest, DotNetShortForms) {
  EXPECT_EQ(MustParse("1:30"), 1h + 30min);  // hh:mm
  EXPECT_EQ(MustParse("5"), 5 * 24h);        // a lone number is days
  EXPECT_EQ(MustParse("1.12:00"), 36h);      // d.hh:mm
  EXPECT_EQ(MustParse("1:02:03:04"), 24h + 2h + 3min + 4s);
  EXPECT_EQ(MustParse("00:00:01.5"), 1500ms);
  EXPECT_EQ(MustParse("00:00:00.0000001"), 100ns);
  EXPECT_EQ(MustParse("1.00:00:00.25"), 24h + 250ms);
}

TEST(TimeSpanTest, HoursOf24OrMoreAreDays) {
  // TimeSpan.Parse reads "24:00:00" as d:hh:mm: 24 days, not one (Azure's docs say the same).
  EXPECT_EQ(MustParse("24:00:00"), 24 * 24h);
  EXPECT_EQ(MustParse("25:01:02"), 25 * 24h + 1h + 2min);
}

TEST(TimeSpanTest, Errors) {
  for (const char* text : {"", "abc", "00:05:", ":05:00", "00-05-00", "1:2:3:4:5:6", "00:05:00x",
                           "00:00:00.12345678", "1..2"}) {
    StatusOr<Duration> d = ParseScheduleTimeSpan(text);
    EXPECT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(
      ParseScheduleTimeSpan("00:60:00").status().message(),
      "\"00:60:00\" is not a valid TimeSpan: hours must be 0-23 and minutes and seconds 0-59");
  EXPECT_EQ(ParseScheduleTimeSpan("abc").status().message(),
            "\"abc\" is neither an NCRONTAB expression ({second} {minute} {hour} {day} {month} "
            "{day-of-week}) nor a TimeSpan (hh:mm:ss or d.hh:mm:ss)");
}

TEST(TimeSpanTest, MustBePositive) {
  EXPECT_THAT(ParseScheduleTimeSpan("00:00:00").status().message(),
              HasSubstr("must be a positive interval"));
  EXPECT_THAT(ParseScheduleTimeSpan("-00:05:00").status().message(),
              HasSubstr("must be a positive interval"));
}

TEST(TimeSpanTest, TooLong) {
  EXPECT_THAT(ParseScheduleTimeSpan("200000.00:00:00").status().message(), HasSubstr("too long"));
  EXPECT_FALSE(ParseScheduleTimeSpan("99999999999.00:00:00").ok());
}

TEST(TimeSpanTest, FormatsAsDotNetDoes) {
  EXPECT_EQ(FormatTimeSpan(5min), "00:05:00");
  EXPECT_EQ(FormatTimeSpan(24h), "1.00:00:00");
  EXPECT_EQ(FormatTimeSpan(24 * 24h + 1h), "24.01:00:00");
  EXPECT_EQ(FormatTimeSpan(1500ms), "00:00:01.5000000");
}

}  // namespace
}  // namespace squall
