#include "http/http_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace squall {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::AllOf;

auto Header(std::string name, std::string value) {
  return AllOf(Field(&HttpHeader::name, name), Field(&HttpHeader::value, value));
}

TEST(EqualsIgnoreCaseTest, TruthTable) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("CONTENT-TYPE", "Content-Type"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("x-1", "X-1"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Type", "Content-Typ"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Typ", "Content-Type"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("", "a"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // differ only by bit 0x20 but are not letters
}

TEST(HttpRequestTest, PathAndQuerySplitAtFirstQuestionMark) {
  HttpRequest r;
  r.target = "/api/hello?name=x%20y&b=2";
  EXPECT_EQ(r.path(), "/api/hello");
  EXPECT_EQ(r.query(), "name=x%20y&b=2");

  r.target = "/api/a%2Fb?x=1?y=2";
  EXPECT_EQ(r.path(), "/api/a%2Fb");  // still encoded
  EXPECT_EQ(r.query(), "x=1?y=2");
}

TEST(HttpRequestTest, NoQuery) {
  HttpRequest r;
  r.target = "/api/hello";
  EXPECT_EQ(r.path(), "/api/hello");
  EXPECT_EQ(r.query(), "");
}

TEST(HttpRequestTest, EmptyQueryAfterQuestionMark) {
  HttpRequest r;
  r.target = "/api/hello?";
  EXPECT_EQ(r.path(), "/api/hello");
  EXPECT_EQ(r.query(), "");
  r.target = "?a=1";
  EXPECT_EQ(r.path(), "");
  EXPECT_EQ(r.query(), "a=1");
}

TEST(HttpRequestTest, FindHeaderIsCaseInsensitiveAndReturnsTheFirst) {
  HttpRequest r;
  r.headers = {{"Host", "localhost"}, {"X-Thing", "one"}, {"x-thing", "two"}};
  const std::string* h = r.FindHeader("x-THING");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(*h, "one");
  ASSERT_NE(r.FindHeader("HOST"), nullptr);
  EXPECT_EQ(*r.FindHeader("HOST"), "localhost");
  EXPECT_EQ(r.FindHeader("X-Thin"), nullptr);
  EXPECT_EQ(r.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(r.FindHeader(""), nullptr);
}

TEST(HttpRequestTest, FindHeaderPointsIntoTheRequest) {
  HttpRequest r;
  r.headers = {{"A", "1"}};
  const std::string* h = r.FindHeader("a");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h, &r.headers[0].value);
}

TEST(HttpResponseTest, FindHeaderIsCaseInsensitive) {
  HttpResponse r;
  r.headers = {{"content-type", "text/plain"}};
  ASSERT_NE(r.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(*r.FindHeader("Content-Type"), "text/plain");
  EXPECT_EQ(r.FindHeader("Content-Length"), nullptr);
}

TEST(HttpResponseTest, SetHeaderAddsWhenAbsent) {
  HttpResponse r;
  r.headers = {{"A", "1"}};
  r.SetHeader("B", "2");
  EXPECT_THAT(r.headers, ElementsAre(Header("A", "1"), Header("B", "2")));
}

TEST(HttpResponseTest, SetHeaderReplacesEveryHeaderOfThatNameIgnoringCase) {
  HttpResponse r;
  r.headers = {{"content-type", "text/plain"}, {"X-Other", "keep"}, {"CONTENT-TYPE", "dup"}};
  r.SetHeader("Content-Type", "application/json");
  EXPECT_THAT(r.headers,
              ElementsAre(Header("X-Other", "keep"), Header("Content-Type", "application/json")));
  ASSERT_NE(r.FindHeader("content-type"), nullptr);
  EXPECT_EQ(*r.FindHeader("content-type"), "application/json");
}

TEST(HttpResponseTest, DefaultsTo200WithNothing) {
  HttpResponse r;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers.empty());
  EXPECT_TRUE(r.body.empty());
}

TEST(HttpMessageTest, TextAndJsonResponses) {
  HttpResponse t = TextResponse(404, "not here");
  EXPECT_EQ(t.status, 404);
  EXPECT_EQ(t.body, "not here");
  ASSERT_NE(t.FindHeader("content-type"), nullptr);
  EXPECT_EQ(*t.FindHeader("content-type"), "text/plain; charset=utf-8");

  HttpResponse j = JsonResponse(201, R"({"a":1})");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.body, R"({"a":1})");
  ASSERT_NE(j.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(*j.FindHeader("Content-Type"), "application/json; charset=utf-8");
}

TEST(HttpMessageTest, ReasonPhrases) {
  EXPECT_STREQ(HttpReasonPhrase(200), "OK");
  EXPECT_STREQ(HttpReasonPhrase(204), "No Content");
  EXPECT_STREQ(HttpReasonPhrase(404), "Not Found");
  EXPECT_STREQ(HttpReasonPhrase(429), "Too Many Requests");
  EXPECT_STREQ(HttpReasonPhrase(503), "Service Unavailable");
  EXPECT_STREQ(HttpReasonPhrase(299), "");
}

}  // namespace
}  // namespace squall
