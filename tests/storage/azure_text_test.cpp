#include "storage/azure_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/azure_xml.h"

namespace squall {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

WallTime At(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  sys_seconds t = sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
  return WallTime{duration_cast<Duration>(t.time_since_epoch())};
}

TEST(Rfc1123Test, Formats) {
  EXPECT_EQ(FormatRfc1123(At(2025, 1, 1, 0, 0, 0)), "Wed, 01 Jan 2025 00:00:00 GMT");
  EXPECT_EQ(FormatRfc1123(At(2024, 2, 29, 23, 59, 59) + milliseconds(999)),
            "Thu, 29 Feb 2024 23:59:59 GMT");
  EXPECT_EQ(FormatRfc1123(At(1994, 11, 6, 8, 49, 37)), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(Rfc1123Test, ParsesWhatItFormatsAndWhatAzureSends) {
  auto t = ParseRfc1123("Wed, 01 Jan 2025 00:00:00 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, At(2025, 1, 1, 0, 0, 0));
  auto u = ParseRfc1123("Fri, 13 Dec 2030 17:05:09 GMT");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, At(2030, 12, 13, 17, 5, 9));
  EXPECT_EQ(ParseRfc1123("13 Dec 2030 17:05:09 GMT"), u);  // weekday optional
  WallTime now = At(2026, 7, 4, 12, 34, 56);
  EXPECT_EQ(ParseRfc1123(FormatRfc1123(now)), now);
}

TEST(Rfc1123Test, RefusesMalformed) {
  for (const char* bad :
       {"", "Wed, 01 Jan 2025", "Wed, 01 Foo 2025 00:00:00 GMT", "Wed, 32 Jan 2025 00:00:00 GMT",
        "Wed, 01 Jan 2025 24:00:00 GMT", "Wed, 01 Jan 2025 00:00:00 UTC", "2025-01-01T00:00:00Z",
        "Wed, 01 Jan 2025 00:00:00 GMTx"}) {
    EXPECT_FALSE(ParseRfc1123(bad)) << bad;
  }
}

TEST(XmlTextTest, EscapesAndRoundTripsThroughTheParser) {
  std::string text = "a<b>&\"c'\r\n\td  ";
  EXPECT_EQ(XmlEscape("<&>"), "&lt;&amp;&gt;");
  auto tree =
      ParseXml("<QueueMessage><MessageText>" + XmlEscape(text) + "</MessageText></QueueMessage>");
  ASSERT_TRUE(tree);
  EXPECT_EQ(XmlText(*tree, "QueueMessage.MessageText"), text);
}

TEST(XmlTextTest, ControlCharactersAreAProblem) {
  EXPECT_EQ(XmlTextProblem("plain text\twith\r\nlines"), "");
  EXPECT_THAT(XmlTextProblem(std::string("a\0b", 3)), HasSubstr("control character 0"));
  EXPECT_THAT(XmlTextProblem("bell\a"), HasSubstr("base64"));
}

TEST(XmlTextTest, ParseXmlRefusesGarbageWithoutThrowing) {
  EXPECT_FALSE(ParseXml("<a><b></a>"));
  EXPECT_FALSE(ParseXml("not xml"));
  auto bom = ParseXml("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><E><C>x</C></E>");
  ASSERT_TRUE(bom);
  EXPECT_EQ(XmlText(*bom, "E.C"), "x");
  EXPECT_EQ(XmlText(*bom, "E.Missing"), "");
}

TEST(PercentTest, EncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("AgAA+x/="), "AgAA%2Bx%2F%3D");
  EXPECT_EQ(PercentEncode("a b~._-"), "a%20b~._-");
  EXPECT_EQ(PercentEncode("locks/app/Timer 1", true), "locks/app/Timer%201");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
}

TEST(PercentTest, DecodesAndKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("AgAA%2Bx%2f%3D"), "AgAA+x/=");
  EXPECT_EQ(PercentDecode("a+b%2"), "a+b%2");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
}

}  // namespace
}  // namespace squall
