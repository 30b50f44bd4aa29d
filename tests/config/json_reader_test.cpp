#include "config/json_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace squall::config_json {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(JsonReaderTest, PointerJoinEscapes) {
  EXPECT_EQ(PointerJoin("", "a"), "/a");
  EXPECT_EQ(PointerJoin("/a", "b/c"), "/a/b~1c");
  EXPECT_EQ(PointerJoin("/a", "~1"), "/a/~01");
  EXPECT_EQ(PointerJoin("/a", ""), "/a/");
  EXPECT_EQ(PointerJoin("/a", std::size_t{3}), "/a/3");
}

TEST(JsonReaderTest, DescribeValues) {
  EXPECT_EQ(Describe(boost::json::parse(R"("x\"y")")), R"("x\"y")");
  EXPECT_EQ(Describe(boost::json::parse("1.5")), "1.5");
  EXPECT_EQ(Describe(boost::json::parse("2.0")), "2.0");
  EXPECT_EQ(Describe(boost::json::parse("-3")), "-3");
  EXPECT_EQ(Describe(boost::json::parse("1e300")), "1e+300");
  EXPECT_EQ(Describe(boost::json::parse("-0.0")), "-0.0");
  EXPECT_EQ(Describe(boost::json::parse("18446744073709551615")), "18446744073709551615");
  EXPECT_EQ(Describe(boost::json::parse("null")), "null");
  EXPECT_EQ(Describe(boost::json::parse("[]")), "an array");
  EXPECT_EQ(Describe(boost::json::parse("{}")), "an object");
  const std::string quoted = Quote(std::string(200, 'a'));
  EXPECT_EQ(quoted, "\"" + std::string(80, 'a') + "...\"");
}

TEST(JsonReaderTest, AsIntAcceptsIntegralDoublesOnly) {
  std::vector<ConfigIssue> errors, warnings;
  IssueSink sink("f", errors, warnings);
  EXPECT_EQ(AsInt(boost::json::parse("10.0"), "/x", sink), 10);
  EXPECT_EQ(AsInt(boost::json::parse("1e3"), "/x", sink), 1000);
  EXPECT_EQ(AsInt(boost::json::parse("9223372036854775807"), "/x", sink), INT64_MAX);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(AsInt(boost::json::parse("9223372036854775808"), "/x", sink), std::nullopt);
  EXPECT_EQ(AsInt(boost::json::parse("1e300"), "/x", sink), std::nullopt);
  EXPECT_EQ(AsInt(boost::json::parse("0.5"), "/x", sink), std::nullopt);
  EXPECT_EQ(AsInt(boost::json::parse("true"), "/x", sink), std::nullopt);
  EXPECT_EQ(errors.size(), 4u);
}

TEST(JsonReaderTest, ParseDocumentErrors) {
  std::vector<ConfigIssue> errors, warnings;
  IssueSink sink("f.json", errors, warnings);
  EXPECT_FALSE(ParseDocument("{\n\n   x", sink).has_value());
  EXPECT_FALSE(ParseDocument("{\"a\": \"\xff\"}", sink).has_value());  // invalid UTF-8
  EXPECT_FALSE(ParseDocument("", sink).has_value());
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].ToString(), "f.json: invalid JSON at line 3, column 4: syntax error");
  EXPECT_THAT(errors[1].message, ::testing::StartsWith("invalid JSON at line 1, column 8"));
  EXPECT_EQ(errors[2].message, "the file is empty: expected a JSON object");
  EXPECT_TRUE(ParseDocument("{\"a\": [1, 2,], } // ok", sink).has_value());
}

TEST(JsonReaderTest, ObjectReaderTracksKnownMembers) {
  std::vector<ConfigIssue> errors, warnings;
  IssueSink sink("f", errors, warnings);
  boost::json::value v = boost::json::parse(R"({"A": 1, "b": "x", "c": true, "d": {}})");
  ObjectReader r(v.as_object(), "/root", sink);
  EXPECT_EQ(r.Int("a"), 1);
  EXPECT_EQ(r.PointerOf("a"), "/root/A");
  EXPECT_EQ(r.PointerOf("missing"), "/root/missing");
  EXPECT_EQ(r.String("c"), std::nullopt);  // wrong type: error, still known
  r.Accept({"d"});
  r.WarnUnknown();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "f: /root/c: expected a string, got true");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].ToString(), "f: /root/b: unknown field \"b\" is ignored");
}

}  // namespace
}  // namespace squall::config_json
