#include "timer/setting_reference.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace squall {
namespace {

const std::map<std::string, std::string> kSettings = {
    {"ScheduleAppSetting", "0 */5 * * * *"},
    {"Hour", "9"},
    {"Empty", ""},
    {"Pct", "%Hour%"},
};

std::string Resolve(const std::string& text) {
  StatusOr<std::string> r = ResolveSettingReference(text, kSettings);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : "";
}

std::string ErrorOf(const std::string& text) {
  StatusOr<std::string> r = ResolveSettingReference(text, kSettings);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(SettingReferenceTest, WholeSchedule) {
  EXPECT_EQ(Resolve("%ScheduleAppSetting%"), "0 */5 * * * *");
}

TEST(SettingReferenceTest, NoReferenceIsUnchanged) {
  EXPECT_EQ(Resolve("0 0 9 * * *"), "0 0 9 * * *");
}

TEST(SettingReferenceTest, ReferencesInsideTheText) {
  // Azure's ResolveWholeString replaces every %Name%, not only a whole-string one.
  EXPECT_EQ(Resolve("0 0 %Hour% * * *"), "0 0 9 * * *");
  EXPECT_EQ(Resolve("%Hour%%Hour%"), "99");
}

TEST(SettingReferenceTest, NamesMatchRegardlessOfCase) {
  EXPECT_EQ(Resolve("%scheduleappsetting%"), "0 */5 * * * *");
}

TEST(SettingReferenceTest, ValuesAreNotResolvedAgain) { EXPECT_EQ(Resolve("%Pct%"), "%Hour%"); }

TEST(SettingReferenceTest, EmptyValueIsAValue) { EXPECT_EQ(Resolve("%Empty%"), ""); }

TEST(SettingReferenceTest, Errors) {
  EXPECT_EQ(ErrorOf("%Missing%"),
            "'%Missing%' does not resolve to a value: no app setting \"Missing\"");
  EXPECT_EQ(ErrorOf("0 0 %Hour * * *"),
            "the '%' at position 4 has no closing '%' (write %SettingName% to use an app setting)");
  EXPECT_EQ(ErrorOf("a%%b"), "'%%' at position 1 names no app setting (write %SettingName%)");
}

}  // namespace
}  // namespace squall
