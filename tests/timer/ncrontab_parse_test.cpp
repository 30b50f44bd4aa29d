#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "timer/ncrontab.h"

namespace squall {
namespace {

std::vector<int> Values(const CronField& f) {
  std::vector<int> out;
  for (int v = 0; v < 64; ++v) {
    if (f.Contains(v)) out.push_back(v);
  }
  return out;
}

CronSchedule MustParse(const std::string& text) {
  StatusOr<CronSchedule> s = CronSchedule::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().message();
  return s.ok() ? *s : *CronSchedule::Parse("* * * * * *");
}

// The error message for text, which must not parse.
std::string ErrorOf(const std::string& text, CronError* error = nullptr) {
  StatusOr<CronSchedule> s = CronSchedule::Parse(text, error);
  EXPECT_FALSE(s.ok()) << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  return s.status().message();
}

using ::testing::ElementsAre;

TEST(NcrontabParseTest, SixFieldsAllStars) {
  const CronSchedule s = MustParse("* * * * * *");
  EXPECT_TRUE(s.has_seconds());
  EXPECT_EQ(s.second().Count(), 60);
  EXPECT_EQ(s.minute().Count(), 60);
  EXPECT_EQ(s.hour().Count(), 24);
  EXPECT_EQ(Values(s.day()).front(), 1);
  EXPECT_EQ(s.day().Count(), 31);
  EXPECT_EQ(s.month().Count(), 12);
  EXPECT_EQ(s.day_of_week().Count(), 7);
}

TEST(NcrontabParseTest, FiveFieldsMeanSecondZero) {
  const CronSchedule s = MustParse("*/15 9 * * *");
  EXPECT_FALSE(s.has_seconds());
  EXPECT_THAT(Values(s.second()), ElementsAre(0));
  EXPECT_THAT(Values(s.minute()), ElementsAre(0, 15, 30, 45));
  EXPECT_THAT(Values(s.hour()), ElementsAre(9));
}

TEST(NcrontabParseTest, ValuesRangesListsAndSteps) {
  const CronSchedule s = MustParse("5,8,10 1-3 */6 1-31/10 2/5 1-5");
  EXPECT_THAT(Values(s.second()), ElementsAre(5, 8, 10));
  EXPECT_THAT(Values(s.minute()), ElementsAre(1, 2, 3));
  EXPECT_THAT(Values(s.hour()), ElementsAre(0, 6, 12, 18));
  EXPECT_THAT(Values(s.day()), ElementsAre(1, 11, 21, 31));
  EXPECT_THAT(Values(s.month()), ElementsAre(2, 7, 12));  // a/n = a-max/n
  EXPECT_THAT(Values(s.day_of_week()), ElementsAre(1, 2, 3, 4, 5));
}

TEST(NcrontabParseTest, StarStepStartsAtTheFieldMinimum) {
  EXPECT_THAT(Values(MustParse("0 0 0 */10 * *").day()), ElementsAre(1, 11, 21, 31));
  EXPECT_THAT(Values(MustParse("0 0 0 * */5 *").month()), ElementsAre(1, 6, 11));
  EXPECT_THAT(Values(MustParse("0 0 0 * * */2").day_of_week()), ElementsAre(0, 2, 4, 6));
}

TEST(NcrontabParseTest, ListsMixItemKinds) {
  EXPECT_THAT(Values(MustParse("0,10-12,50/5 * * * * *").second()),
              ElementsAre(0, 10, 11, 12, 50, 55));
}

TEST(NcrontabParseTest, MonthAndDayNamesAnyCaseAnyPrefix) {
  const CronSchedule s = MustParse("0 30 9 * Jan Mon");
  EXPECT_THAT(Values(s.month()), ElementsAre(1));
  EXPECT_THAT(Values(s.day_of_week()), ElementsAre(1));

  EXPECT_THAT(Values(MustParse("0 0 0 * january,DEC *").month()), ElementsAre(1, 12));
  EXPECT_THAT(Values(MustParse("0 0 0 * mar-MAY *").month()), ElementsAre(3, 4, 5));
  // NCrontab takes the first name (in calendar order) that starts with the text.
  EXPECT_THAT(Values(MustParse("0 0 0 * Ju *").month()), ElementsAre(6));
  EXPECT_THAT(Values(MustParse("0 0 0 * * T").day_of_week()), ElementsAre(2));
  EXPECT_THAT(Values(MustParse("0 0 0 * * mon-fri").day_of_week()), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(Values(MustParse("0 0 0 * * Saturday,sunday").day_of_week()), ElementsAre(0, 6));
  EXPECT_THAT(Values(MustParse("0 0 0 * Jan/3 *").month()), ElementsAre(1, 4, 7, 10));
}

TEST(NcrontabParseTest, NcrontabQuirksAreKept) {
  // A reversed range is swapped, not wrapped around.
  EXPECT_THAT(Values(MustParse("0 0 5-2 * * *").hour()), ElementsAre(2, 3, 4, 5));
  EXPECT_THAT(Values(MustParse("0 0 0 * * Fri-Mon").day_of_week()), ElementsAre(1, 2, 3, 4, 5));
  // A step of 0 is a step of 1.
  EXPECT_EQ(MustParse("*/0 * * * * *").second().Count(), 60);
  // Leading zeros and repeated spaces are fine.
  EXPECT_THAT(Values(MustParse("  00   05  *  *  *  * ").minute()), ElementsAre(5));
}

TEST(NcrontabParseTest, KeepsTheTextAsWritten) {
  EXPECT_EQ(MustParse("0 */5 * * * *").text(), "0 */5 * * * *");
}

TEST(NcrontabParseTest, ErrorsNameTheFieldAndPosition) {
  CronError e;
  EXPECT_EQ(ErrorOf("0 0 25 * * *", &e),
            "field 3 (hour) at position 4: \"25\" is out of range 0-23");
  EXPECT_EQ(e.field_index, 3);
  EXPECT_EQ(e.field_name, "hour");
  EXPECT_EQ(e.position, 4u);
  EXPECT_EQ(e.message, "\"25\" is out of range 0-23");

  // The position is the offending item's, inside a list or a range.
  EXPECT_EQ(ErrorOf("0 30 9,25 * * *"),
            "field 3 (hour) at position 7: \"25\" is out of range 0-23");
  EXPECT_EQ(ErrorOf("0 0 0 1-32 * *"), "field 4 (day) at position 8: \"32\" is out of range 1-31");
  // Fields are counted as written: in a 5-field expression the hour is field 2.
  EXPECT_EQ(ErrorOf("0 24 * * *", &e), "field 2 (hour) at position 2: \"24\" is out of range 0-23");
  EXPECT_EQ(e.field_name, "hour");
}

TEST(NcrontabParseTest, RangeErrors) {
  EXPECT_EQ(ErrorOf("60 * * * * *"), "field 1 (second) at position 0: \"60\" is out of range 0-59");
  EXPECT_EQ(ErrorOf("0 0 0 0 * *"), "field 4 (day) at position 6: \"0\" is out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 0 * 13 *"), "field 5 (month) at position 8: \"13\" is out of range 1-12");
  // Day-of-week is 0-6 in NCrontab: 7 is not another Sunday.
  EXPECT_EQ(ErrorOf("0 0 0 * * 7"),
            "field 6 (day-of-week) at position 10: \"7\" is out of range 0-6");
  EXPECT_EQ(ErrorOf("0 0 0 * * 1-7"),
            "field 6 (day-of-week) at position 12: \"7\" is out of range 0-6");
  EXPECT_EQ(ErrorOf("99999999999999999999 * * * * *"),
            "field 1 (second) at position 0: \"99999999999999999999\" is out of range 0-59");
}

TEST(NcrontabParseTest, SyntaxErrors) {
  EXPECT_EQ(ErrorOf("0 0 0 * Foo *"),
            "field 5 (month) at position 8: \"Foo\" is not a number or a month name "
            "(January..December, or a prefix such as Jan)");
  EXPECT_EQ(ErrorOf("0 0 0 * * Mondays"),
            "field 6 (day-of-week) at position 10: \"Mondays\" is not a number or a day name "
            "(Sunday..Saturday, or a prefix such as Mon)");
  EXPECT_EQ(ErrorOf("0 0 x * * *"), "field 3 (hour) at position 4: \"x\" is not a number");
  EXPECT_EQ(ErrorOf("0 0 5a * * *"), "field 3 (hour) at position 4: \"5a\" is not a number");
  EXPECT_EQ(ErrorOf("0 1,,2 * * * *"),
            "field 2 (minute) at position 4: empty list item (a ',' at the start, the end or "
            "twice)");
  EXPECT_EQ(ErrorOf("0 1, * * * *"),
            "field 2 (minute) at position 4: empty list item (a ',' at the start, the end or "
            "twice)");
  EXPECT_EQ(ErrorOf("0 */x * * * *"), "field 2 (minute) at position 4: step \"x\" is not a number");
  EXPECT_EQ(ErrorOf("0 */ * * * *"),
            "field 2 (minute) at position 4: the step after '/' is missing");
  EXPECT_EQ(ErrorOf("0 /5 * * * *"),
            "field 2 (minute) at position 2: a step needs a start before '/', e.g. */5 or 0/5");
  EXPECT_EQ(ErrorOf("0 */5/2 * * * *"),
            "field 2 (minute) at position 4: step \"5/2\" is not a number");
  EXPECT_EQ(ErrorOf("0 5- * * * *"),
            "field 2 (minute) at position 4: a value is missing (after '-')");
  EXPECT_EQ(ErrorOf("0 *-5 * * * *"),
            "field 2 (minute) at position 2: '*' cannot be one end of a range");
  EXPECT_EQ(ErrorOf("0 -5 * * * *"), "field 2 (minute) at position 2: \"-5\" is not a number");
  EXPECT_EQ(ErrorOf("0 1-2-3 * * * *"), "field 2 (minute) at position 4: \"2-3\" is not a number");
  EXPECT_EQ(ErrorOf("0\t*/5 * * * *"),
            "field 1 (minute) at position 1: fields are separated by spaces only (found a tab or "
            "line break)");
}

TEST(NcrontabParseTest, FieldCountErrors) {
  CronError e;
  EXPECT_EQ(ErrorOf("* * *", &e),
            "expected 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}) or 5 "
            "(without {second}), found 3");
  EXPECT_EQ(e.field_index, 0);
  EXPECT_EQ(e.field_name, "");
  EXPECT_THAT(ErrorOf("0 0 0 * * * 2024"), ::testing::EndsWith("found 7"));
  EXPECT_EQ(ErrorOf(""), "the schedule is empty");
  EXPECT_EQ(ErrorOf("    "), "the schedule is empty");
}

TEST(NcrontabParseTest, IntervalSchedulesAsAzureClassifiesThem) {
  // Azure: "interval" when NCrontab's normal form of second, minute or hour has '*' or '-'.
  EXPECT_TRUE(MustParse("0 */5 * * * *").is_interval());  // hour is '*'
  EXPECT_TRUE(MustParse("0 0 9-17 * * *").is_interval());
  EXPECT_TRUE(MustParse("0 0 1,2 * * *").is_interval());  // normalizes to 1-2
  EXPECT_FALSE(MustParse("*/30 0 12 * * *").is_interval());
  EXPECT_FALSE(MustParse("0 30 9 * * *").is_interval());
  EXPECT_FALSE(MustParse("0 0 */2 * * *").is_interval());  // 0,2,4,...: no two adjacent
  EXPECT_TRUE(MustParse("0 * * * *").is_interval());       // 5 fields: hour is *
  EXPECT_FALSE(MustParse("0 0 * * *").is_interval());
}

TEST(NcrontabParseTest, MoreThanOnceAMinute) {
  EXPECT_TRUE(MustParse("*/5 * * * * *").fires_more_than_once_a_minute());
  EXPECT_FALSE(MustParse("0 * * * * *").fires_more_than_once_a_minute());
  EXPECT_FALSE(MustParse("* * * * *").fires_more_than_once_a_minute());  // 5 fields: second 0
}

}  // namespace
}  // namespace squall
