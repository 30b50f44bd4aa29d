#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

WallTime At(std::chrono::seconds since_epoch, Duration extra = Duration::zero()) {
  return WallTime{since_epoch} + extra;
}

TEST(FormatIso8601Test, KnownInstantWithMilliseconds) {
  // 1700000000 s after the epoch is 2023-11-14T22:13:20Z.
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s, 678ms)), "2023-11-14T22:13:20.678Z");
}

TEST(FormatIso8601Test, WholeSecondsShowThreeZeroDigits) {
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s)), "2023-11-14T22:13:20.000Z");
}

TEST(FormatIso8601Test, MillisecondsAreZeroPadded) {
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s, 5ms)), "2023-11-14T22:13:20.005Z");
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s, 40ms)), "2023-11-14T22:13:20.040Z");
}

TEST(FormatIso8601Test, SubMillisecondsAreTruncatedNotRounded) {
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s, 999ms + 999'999ns)), "2023-11-14T22:13:20.999Z");
  EXPECT_EQ(FormatIso8601(At(1'700'000'000s, 1ns)), "2023-11-14T22:13:20.000Z");
}

TEST(FormatIso8601Test, EpochAndSingleDigitFieldsAreZeroPadded) {
  EXPECT_EQ(FormatIso8601(WallTime{}), "1970-01-01T00:00:00.000Z");
  // 2024-01-02T03:04:05Z = 1704164645
  EXPECT_EQ(FormatIso8601(At(1'704'164'645s, 678ms)), "2024-01-02T03:04:05.678Z");
}

TEST(FormatIso8601Test, LeapDay) {
  // 2024-02-29T23:59:59Z = 1709251199
  EXPECT_EQ(FormatIso8601(At(1'709'251'199s, 1ms)), "2024-02-29T23:59:59.001Z");
}

TEST(FormatIso8601Test, FollowsSimulatedWallClock) {
  SimulatedClock clock;
  clock.Advance(2500ms);
  EXPECT_EQ(FormatIso8601(clock.WallNow()), "2023-11-14T22:13:22.500Z");
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

using namespace std::chrono_literals;

TEST(ParseIso8601Test, RoundTripsFormat) {
  WallTime t = WallTime{1'700'000'000s} + 678ms;
  EXPECT_EQ(ParseIso8601(FormatIso8601(t)), t);
  EXPECT_EQ(ParseIso8601("2023-11-14T22:13:20Z"), WallTime{1'700'000'000s});
  EXPECT_EQ(ParseIso8601("2023-11-14T22:13:20.1234567Z"),
            WallTime{1'700'000'000s} + 123'456'700ns);
}

TEST(ParseIso8601Test, RejectsMalformed) {
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z",
                          "2023-02-30T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z",
                          "2023-11-14T22:13:20+01:00", "x023-11-14T22:13:20Z",
                          "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace squall
