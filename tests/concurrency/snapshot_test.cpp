#include "concurrency/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <map>
#include <string>

#include "concurrency/concurrency_policy.h"
#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

ConcurrencySnapshot Sample() {
  SimulatedClock clock;  // wall time 2023-11-14T22:13:20Z
  clock.Advance(1234ms);
  return TakeSnapshot({{"Orders", 12}, {"Thumbnails", 3}}, 4, clock.WallNow());
}

TEST(SnapshotTest, SerializesAzuresFormat) {
  EXPECT_EQ(SerializeSnapshot(Sample()),
            R"({"Timestamp":"2023-11-14T22:13:21.234Z","NumberOfCores":4,)"
            R"("FunctionSnapshots":{"Orders":{"Concurrency":12},"Thumbnails":{"Concurrency":3}}})");
}

TEST(SnapshotTest, RoundTrips) {
  const ConcurrencySnapshot s = Sample();
  StatusOr<ConcurrencySnapshot> back = ParseSnapshot(SerializeSnapshot(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->timestamp, s.timestamp);
  EXPECT_EQ(back->number_of_cores, 4);
  EXPECT_THAT(back->levels, ElementsAre(Pair("Orders", 12), Pair("Thumbnails", 3)));
  EXPECT_TRUE(SameLevels(*back, s));
}

TEST(SnapshotTest, ParsesWhatAzureWritesAndIgnoresTheRest) {
  // .NET writes 7 fraction digits; JSON.NET reads member names in any case.
  StatusOr<ConcurrencySnapshot> s = ParseSnapshot(R"({
      "timestamp": "2024-05-01T10:20:30.1234567Z", "numberOfCores": 2, "Extra": [1, 2],
      "functionSnapshots": {"Host.Functions.Orders": {"concurrency": 7, "Other": true}}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(FormatIso8601(s->timestamp), "2024-05-01T10:20:30.123Z");
  EXPECT_EQ(s->number_of_cores, 2);
  EXPECT_THAT(s->levels, ElementsAre(Pair("Host.Functions.Orders", 7)));

  // No functions yet (Azure's FunctionSnapshots may be null).
  s = ParseSnapshot(R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":1,)"
                    R"("FunctionSnapshots":null})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_THAT(s->levels, IsEmpty());
  s = ParseSnapshot(R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":1})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
}

std::string ParseError(std::string_view json) {
  StatusOr<ConcurrencySnapshot> s = ParseSnapshot(json);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  return s.status().message();
}

TEST(SnapshotTest, ErrorsNameTheJsonPointer) {
  const std::string ok_head = R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":4,)";
  EXPECT_THAT(ParseError("{"), HasSubstr("concurrency snapshot: /: not JSON"));
  EXPECT_EQ(ParseError("[1]"), "concurrency snapshot: /: expected an object, got an array");
  EXPECT_EQ(ParseError(R"({"NumberOfCores":4})"), "concurrency snapshot: /Timestamp: missing");
  EXPECT_EQ(ParseError(R"({"Timestamp":"yesterday","NumberOfCores":4})"),
            "concurrency snapshot: /Timestamp: expected \"YYYY-MM-DDTHH:MM:SS[.fff]Z\" between "
            "1970 and 2261, got \"yesterday\"");
  // Past what a WallTime holds: refused, not overflowed.
  EXPECT_THAT(ParseError(R"({"Timestamp":"9999-12-31T23:59:59Z","NumberOfCores":4})"),
              HasSubstr("between 1970 and 2261"));
  // A leap second on the last night of 2261 would be written back as 2262 and not read again.
  EXPECT_THAT(ParseError(R"({"Timestamp":"2261-12-31T23:59:60Z","NumberOfCores":4})"),
              HasSubstr("between 1970 and 2261"));
  EXPECT_EQ(ParseError(R"({"Timestamp":"2261-12-31T23:59:59.999Z","NumberOfCores":4})"), "ok");
  EXPECT_THAT(ParseError(R"({"Timestamp":12,"NumberOfCores":4})"),
              HasSubstr("/Timestamp: expected a UTC time string, got 12"));
  EXPECT_EQ(ParseError(R"({"Timestamp":"2024-05-01T10:20:30Z"})"),
            "concurrency snapshot: /NumberOfCores: missing");
  EXPECT_EQ(ParseError(R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":0})"),
            "concurrency snapshot: /NumberOfCores: expected an integer >= 1, got 0");
  EXPECT_THAT(ParseError(R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":"4"})"),
              HasSubstr("got \"4\""));
  EXPECT_THAT(ParseError(R"({"Timestamp":"2024-05-01T10:20:30Z","NumberOfCores":1e30})"),
              HasSubstr("/NumberOfCores: expected an integer >= 1"));
  EXPECT_EQ(ParseError(ok_head + R"("FunctionSnapshots":[]})"),
            "concurrency snapshot: /FunctionSnapshots: expected an object, got an array");
  EXPECT_EQ(ParseError(ok_head + R"("FunctionSnapshots":{"a/b":3}})"),
            "concurrency snapshot: /FunctionSnapshots/a~1b: expected an object, got 3");
  EXPECT_EQ(ParseError(ok_head + R"("FunctionSnapshots":{"F":{}}})"),
            "concurrency snapshot: /FunctionSnapshots/F/Concurrency: missing");
  EXPECT_EQ(ParseError(ok_head + R"("FunctionSnapshots":{"F":{"Concurrency":1.5}}})"),
            "concurrency snapshot: /FunctionSnapshots/F/Concurrency: expected an integer >= 1, "
            "got 1.5");
  EXPECT_THAT(ParseError(ok_head + R"("FunctionSnapshots":{"F":{"Concurrency":-2}}})"),
              HasSubstr("got -2"));
  EXPECT_THAT(ParseError(ok_head + R"("FunctionSnapshots":{"F":{"Concurrency":3000000000}}})"),
              HasSubstr("expected an integer >= 1"));
  EXPECT_EQ(ParseError(ok_head + R"("FunctionSnapshots":{"":{"Concurrency":1}}})"),
            "concurrency snapshot: /FunctionSnapshots/: function name is empty");
  EXPECT_EQ(
      ParseError(ok_head + R"("FunctionSnapshots":{"Orders":{"Concurrency":1},)"
                           R"("orders":{"Concurrency":2}}})"),
      "concurrency snapshot: /FunctionSnapshots/orders: \"Orders\" and \"orders\" name the same "
      "function");
}

TEST(SnapshotTest, SameLevelsIgnoresTheTimestamp) {
  ConcurrencySnapshot a = Sample();
  ConcurrencySnapshot b = a;
  b.timestamp += 10s;
  EXPECT_TRUE(SameLevels(a, b));
  b.levels["Orders"] = 13;
  EXPECT_FALSE(SameLevels(a, b));
  b = a;
  b.number_of_cores = 2;
  EXPECT_FALSE(SameLevels(a, b));
}

TEST(SnapshotTest, CoreAdjustedLevelScalesRoundsAndStaysPositive) {
  EXPECT_EQ(CoreAdjustedLevel(12, 4, 4), 12);
  EXPECT_EQ(CoreAdjustedLevel(12, 4, 2), 6);
  EXPECT_EQ(CoreAdjustedLevel(10, 2, 4), 20);
  EXPECT_EQ(CoreAdjustedLevel(5, 4, 2), 3);               // 2.5 rounds up
  EXPECT_EQ(CoreAdjustedLevel(7, 4, 2), 4);               // 3.5
  EXPECT_EQ(CoreAdjustedLevel(9, 4, 1), 2);               // 2.25
  EXPECT_EQ(CoreAdjustedLevel(1, 8, 1), 1);               // 0.125: at least 1
  EXPECT_EQ(CoreAdjustedLevel(INT_MAX, 1, 64), INT_MAX);  // no overflow
  EXPECT_EQ(CoreAdjustedLevel(6, 0, 2), 12);              // a core count of 0 counts as 1
}

TEST(SnapshotTest, ANewInstanceStartsFromTheSnapshotScaledByItsCores) {
  const ConcurrencySnapshot s = Sample();  // 4 cores: Orders 12, Thumbnails 3
  const AppliedSnapshot a = ApplySnapshot({}, s, 2, 500);
  EXPECT_THAT(a.levels, ElementsAre(Pair("Orders", 6), Pair("Thumbnails", 2)));
  ASSERT_EQ(a.restored.size(), 2u);
  EXPECT_EQ(a.restored[0].reason, "Orders: 12 on 4 cores → 6 on 2 cores");
  EXPECT_EQ(a.restored[0].from, 0);
  EXPECT_EQ(a.restored[0].to, 6);

  // The policy continues from the restored level.
  const FunctionConcurrencyState state =
      NewFunctionConcurrencyState(MonoTime{}, a.levels.at("Orders"));
  EXPECT_EQ(state.level, 6);
}

TEST(SnapshotTest, NeverLowersALevelTheInstanceAlreadyHas) {
  const ConcurrencySnapshot s = Sample();
  const AppliedSnapshot a =
      ApplySnapshot({{"Orders", 20}, {"thumbnails", 1}, {"Mine", 4}}, s, 4, 500);
  // Orders keeps 20 (snapshot says 12); Thumbnails is raised, under its existing spelling;
  // Mine is not in the snapshot and stays.
  EXPECT_THAT(a.levels, ElementsAre(Pair("Mine", 4), Pair("Orders", 20), Pair("thumbnails", 3)));
  EXPECT_EQ(a.restored[0].reason, "Orders: 12 on 4 cores → 12 on 4 cores, kept 20 (never lowered)");
  EXPECT_EQ(a.restored[1].reason, "thumbnails: 3 on 4 cores → 3 on 4 cores (was 1)");
}

TEST(SnapshotTest, RestoredLevelsRespectMaximumFunctionConcurrency) {
  const ConcurrencySnapshot s = TakeSnapshot({{"Orders", 400}}, 2, WallTime{});
  const AppliedSnapshot a = ApplySnapshot({}, s, 8, 500);
  EXPECT_EQ(a.levels.at("Orders"), 500);
  EXPECT_EQ(a.restored[0].reason,
            "Orders: 400 on 2 cores → 1600 on 8 cores, capped at maximumFunctionConcurrency 500");
  EXPECT_EQ(ApplySnapshot({}, s, 8, -1).levels.at("Orders"), 1600);  // -1 = unbounded
}

TEST(SnapshotTest, TakeSnapshotKeepsOnlyTheGivenFunctions) {
  const ConcurrencySnapshot s = TakeSnapshot({{"A", 0}, {"B", 9}}, 0, WallTime{});
  EXPECT_EQ(s.number_of_cores, 1);
  EXPECT_THAT(s.levels, ElementsAre(Pair("A", 1), Pair("B", 9)));
}

}  // namespace
}  // namespace squall
