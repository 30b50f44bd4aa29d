#include "timer/time_zone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "timer/windows_zones.h"
#include "timer_test_util.h"

namespace squall {
namespace {

using ::testing::HasSubstr;
using Kind = TimeZone::Resolved::Kind;

TEST(TimeZoneTest, DefaultIsUtc) {
  const TimeZone utc;
  EXPECT_EQ(utc.name(), "UTC");
  EXPECT_EQ(utc.UtcOffsetSeconds(Utc(2024, 7, 1)), 0);
  StatusOr<TimeZone> empty = TimeZone::Load("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->name(), "UTC");
  EXPECT_EQ(In(utc, Utc(2024, 7, 1, 12, 30, 5)), "2024-07-01T12:30:05+00:00");
}

TEST(TimeZoneTest, IanaNames) {
  StatusOr<TimeZone> ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny.ok()) << ny.status().message();
  EXPECT_EQ(ny->iana_name(), "America/New_York");
  EXPECT_EQ(ny->UtcOffsetSeconds(Utc(2024, 1, 1)), -5 * 3600);
  EXPECT_EQ(ny->UtcOffsetSeconds(Utc(2024, 7, 1)), -4 * 3600);
  EXPECT_EQ(ny->ToLocal(Utc(2024, 7, 1, 12, 0, 0)), (CivilTime{2024, 7, 1, 8, 0, 0}));
  EXPECT_EQ(In(*ny, Utc(2024, 7, 1, 12)), "2024-07-01T08:00:00-04:00");
  EXPECT_TRUE(TimeZone::Load("UTC").ok());
  EXPECT_TRUE(TimeZone::Load("Asia/Kolkata").ok());
}

TEST(TimeZoneTest, WindowsNamesMapToIana) {
  StatusOr<TimeZone> est = TimeZone::Load("Eastern Standard Time");
  ASSERT_TRUE(est.ok()) << est.status().message();
  EXPECT_EQ(est->name(), "Eastern Standard Time");
  EXPECT_EQ(est->iana_name(), "America/New_York");
  // Windows ids are matched regardless of case.
  StatusOr<TimeZone> lower = TimeZone::Load("eastern standard time");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->iana_name(), "America/New_York");

  EXPECT_EQ(IanaFromWindowsZone("GMT Standard Time"), "Europe/London");
  EXPECT_EQ(IanaFromWindowsZone("Pacific Standard Time"), "America/Los_Angeles");
  EXPECT_EQ(IanaFromWindowsZone("W. Europe Standard Time"), "Europe/Berlin");
  EXPECT_EQ(IanaFromWindowsZone("Tokyo Standard Time"), "Asia/Tokyo");
  EXPECT_EQ(IanaFromWindowsZone("India Standard Time"), "Asia/Kolkata");
  EXPECT_EQ(IanaFromWindowsZone("AUS Eastern Standard Time"), "Australia/Sydney");
  EXPECT_EQ(IanaFromWindowsZone("UTC"), "Etc/UTC");
  EXPECT_EQ(IanaFromWindowsZone("Mars Standard Time"), std::nullopt);
}

TEST(TimeZoneTest, EveryMappedWindowsZoneLoads) {
  ASSERT_GE(WindowsZoneCount(), 30u);
  for (std::size_t i = 0; i < WindowsZoneCount(); ++i) {
    const std::string_view id = WindowsZoneAt(i);
    StatusOr<TimeZone> z = TimeZone::Load(id);
    EXPECT_TRUE(z.ok()) << id << ": " << z.status().message();
  }
}

TEST(TimeZoneTest, UnknownZonesAreClearErrors) {
  StatusOr<TimeZone> z = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(z.status().message(),
            "unknown time zone \"Mars/Olympus_Mons\": not an IANA name in this machine's tzdata "
            "(/usr/share/zoneinfo) nor a known Windows name such as \"Eastern Standard Time\"");

  z = TimeZone::Load("Mars Standard Time");
  ASSERT_FALSE(z.ok());
  EXPECT_THAT(z.status().message(), HasSubstr("unknown time zone \"Mars Standard Time\""));
}

TEST(TimeZoneTest, NamesThatAreNotZoneIdsAreRefused) {
  for (const char* name : {"../../etc/passwd", "/etc/localtime", "localtime", "America//New_York",
                           "America/", "Fixed/UTC+05:00:00", "UTC+5 "}) {
    StatusOr<TimeZone> z = TimeZone::Load(name);
    EXPECT_FALSE(z.ok()) << name;
  }
}

TEST(TimeZoneTest, FromLocalInAGap) {
  const TimeZone ny = *TimeZone::Load("America/New_York");
  const TimeZone::Resolved r = ny.FromLocal(CivilTime{2024, 3, 10, 2, 30, 0});
  EXPECT_EQ(r.kind, Kind::kSkipped);
  EXPECT_EQ(r.pre, Utc(2024, 3, 10, 7, 30));  // read as EST
  EXPECT_EQ(r.transition, Utc(2024, 3, 10, 7, 0));
  EXPECT_EQ(r.post, Utc(2024, 3, 10, 6, 30));  // read as EDT
}

TEST(TimeZoneTest, FromLocalInAnOverlap) {
  const TimeZone ny = *TimeZone::Load("America/New_York");
  const TimeZone::Resolved r = ny.FromLocal(CivilTime{2024, 11, 3, 1, 30, 0});
  EXPECT_EQ(r.kind, Kind::kRepeated);
  EXPECT_EQ(r.pre, Utc(2024, 11, 3, 5, 30));  // EDT
  EXPECT_EQ(r.transition, Utc(2024, 11, 3, 6, 0));
  EXPECT_EQ(r.post, Utc(2024, 11, 3, 6, 30));  // EST
}

TEST(TimeZoneTest, FromLocalUnique) {
  const TimeZone london = *TimeZone::Load("Europe/London");
  const TimeZone::Resolved r = london.FromLocal(CivilTime{2024, 7, 1, 12, 0, 0});
  EXPECT_EQ(r.kind, Kind::kUnique);
  EXPECT_EQ(r.pre, Utc(2024, 7, 1, 11, 0));
  EXPECT_EQ(r.post, r.pre);
}

TEST(TimeZoneTest, FormatsFractionsOnlyWhenPresent) {
  using namespace std::chrono_literals;
  const TimeZone utc;
  EXPECT_EQ(In(utc, Utc(2024, 1, 2, 3, 4, 5) + 250ms), "2024-01-02T03:04:05.25+00:00");
}

TEST(TimeZoneTest, CopiesShareTheZone) {
  const TimeZone a = *TimeZone::Load("Europe/London");
  const TimeZone b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(b.iana_name(), "Europe/London");
  EXPECT_EQ(b.UtcOffsetSeconds(Utc(2024, 7, 1)), 3600);
}

}  // namespace
}  // namespace squall
