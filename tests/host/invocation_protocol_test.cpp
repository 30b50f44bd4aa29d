#include "host/invocation_protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace squall {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

Binding MakeBinding(std::string type, std::string direction, std::string name) {
  Binding b;
  b.type = std::move(type);
  b.direction = std::move(direction);
  b.name = std::move(name);
  return b;
}

// An HTTP function like the templates: httpTrigger "req" in, http `out_name` out.
FunctionConfig HttpFunction(std::string name = "HttpExample", std::string trigger_name = "req",
                            std::string out_name = "res") {
  FunctionConfig f;
  f.name = std::move(name);
  f.dir = "/app/" + f.name;
  Binding trigger = MakeBinding("httpTrigger", "in", std::move(trigger_name));
  trigger.auth_level = AuthLevel::kAnonymous;
  trigger.methods = {"GET", "POST"};
  f.bindings.push_back(std::move(trigger));
  f.bindings.push_back(MakeBinding("http", "out", std::move(out_name)));
  return f;
}

FunctionConfig QueueFunction() {
  FunctionConfig f;
  f.name = "Work";
  f.bindings.push_back(MakeBinding("queueTrigger", "in", "item"));
  return f;
}

const WallTime kNow = WallTime{std::chrono::seconds(1'700'000'000)} + 678ms;

json::object Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

std::vector<std::string> Keys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : o) keys.emplace_back(k);
  return keys;
}

HttpTriggerData SampleData() {
  HttpTriggerData d;
  d.url = "http://localhost:7071/api/products/42?name=x%20y&tag=a&tag=b";
  d.method = "POST";
  d.query = {{"name", "x y"}, {"tag", "a"}, {"tag", "b"}};
  d.headers = {{"Content-Type", "application/json"},
               {"Accept", "text/html"},
               {"Accept", "application/json"}};
  d.params = {{"category", "products"}, {"id", "42"}};
  d.body = R"({"hello":"world"})";
  return d;
}

// ---------------------------------------------------------------------------------------------
// BuildHttpInvocationRequest

TEST(BuildHttpInvocationRequestTest, TopLevelHasDataAndMetadataOnly) {
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), SampleData(), kNow, "g"));
  EXPECT_THAT(Keys(root), UnorderedElementsAre("Data", "Metadata"));
  ASSERT_TRUE(root["Data"].is_object());
  EXPECT_THAT(Keys(root["Data"].get_object()), ElementsAre("req"));
}

TEST(BuildHttpInvocationRequestTest, DataIsKeyedByTheTriggerBindingName) {
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction("F", "request", "res"),
                                                       SampleData(), kNow, "g"));
  ASSERT_TRUE(root["Data"].is_object());
  EXPECT_THAT(Keys(root["Data"].get_object()), ElementsAre("request"));
}

TEST(BuildHttpInvocationRequestTest, TriggerFoundEvenWhenNotTheFirstBinding) {
  FunctionConfig f;
  f.name = "F";
  f.bindings.push_back(MakeBinding("http", "out", "$return"));
  f.bindings.push_back(MakeBinding("httpTrigger", "in", "incoming"));
  json::object root = Parse(BuildHttpInvocationRequest(f, SampleData(), kNow, "g"));
  EXPECT_THAT(Keys(root["Data"].get_object()), ElementsAre("incoming"));
}

TEST(BuildHttpInvocationRequestTest, TriggerDataHasAzureShape) {
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), SampleData(), kNow, "g"));
  const json::object& req = root["Data"].get_object().at("req").as_object();
  EXPECT_THAT(Keys(req), UnorderedElementsAre("Url", "Method", "Query", "Headers", "Params",
                                              "Identities", "Body"));
  EXPECT_EQ(req.at("Url"), json::value("http://localhost:7071/api/products/42?name=x%20y&tag=a&tag=b"));
  EXPECT_EQ(req.at("Method"), json::value("POST"));
  // Body is the raw text, as a JSON string (not parsed).
  ASSERT_TRUE(req.at("Body").is_string());
  EXPECT_EQ(req.at("Body").get_string(), R"({"hello":"world"})");
  ASSERT_TRUE(req.at("Identities").is_array());
  EXPECT_TRUE(req.at("Identities").get_array().empty());

  EXPECT_EQ(req.at("Query"), json::parse(R"({"name":"x y","tag":"a,b"})"));
  EXPECT_EQ(req.at("Params"), json::parse(R"({"category":"products","id":"42"})"));
  EXPECT_EQ(req.at("Headers"),
            json::parse(R"({"Content-Type":["application/json"],
                            "Accept":["text/html","application/json"]})"));
}

TEST(BuildHttpInvocationRequestTest, HeaderValuesAreAlwaysArrays) {
  HttpTriggerData d;
  d.url = "http://localhost/api/x";
  d.method = "GET";
  d.headers = {{"Host", "localhost"}};
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), d, kNow, "g"));
  const json::value& headers = root["Data"].get_object().at("req").at("Headers");
  ASSERT_TRUE(headers.is_object());
  ASSERT_TRUE(headers.at("Host").is_array());
  EXPECT_EQ(headers.at("Host"), json::parse(R"(["localhost"])"));
  EXPECT_EQ(root["Metadata"].at("Headers"), headers);
}

TEST(BuildHttpInvocationRequestTest, RepeatedQueryNamesJoinedWithCommaInOrder) {
  HttpTriggerData d;
  d.url = "http://localhost/api/x?a=1&b=2&a=3&a=";
  d.method = "GET";
  d.query = {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"a", ""}};
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), d, kNow, "g"));
  const json::value& q = root["Data"].get_object().at("req").at("Query");
  EXPECT_EQ(q, json::parse(R"({"a":"1,3,","b":"2"})"));
  EXPECT_EQ(root["Metadata"].at("Query"), q);
}

TEST(BuildHttpInvocationRequestTest, EmptyRequestStillHasEveryMember) {
  HttpTriggerData d;
  d.url = "http://localhost/api/x";
  d.method = "GET";
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), d, kNow, "g"));
  const json::object& req = root["Data"].get_object().at("req").as_object();
  EXPECT_EQ(req.at("Query"), json::object{});
  EXPECT_EQ(req.at("Headers"), json::object{});
  EXPECT_EQ(req.at("Params"), json::object{});
  EXPECT_EQ(req.at("Body"), json::value(""));
}

TEST(BuildHttpInvocationRequestTest, MetadataHasParamsAtTopLevelQueryHeadersAndSys) {
  const std::string guid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  json::object root =
      Parse(BuildHttpInvocationRequest(HttpFunction("HttpExample"), SampleData(), kNow, guid));
  ASSERT_TRUE(root["Metadata"].is_object());
  const json::object& md = root["Metadata"].get_object();
  EXPECT_THAT(Keys(md), UnorderedElementsAre("category", "id", "Query", "Headers", "sys"));
  EXPECT_EQ(md.at("category"), json::value("products"));
  EXPECT_EQ(md.at("id"), json::value("42"));
  EXPECT_EQ(md.at("Query"), json::parse(R"({"name":"x y","tag":"a,b"})"));
  EXPECT_EQ(md.at("Headers"),
            json::parse(R"({"Content-Type":["application/json"],
                            "Accept":["text/html","application/json"]})"));
  EXPECT_EQ(md.at("sys"), json::parse(R"({"MethodName":"HttpExample",
                                          "UtcNow":"2023-11-14T22:13:20.678Z",
                                          "RandGuid":"3f2504e0-4f89-41d3-9a0c-0305e82c3301"})"));
}

TEST(BuildHttpInvocationRequestTest, StringsAreJsonEscaped) {
  HttpTriggerData d;
  d.url = "http://localhost/api/x";
  d.method = "POST";
  d.query = {{"q", "say \"hi\"\\\n"}};
  d.headers = {{"X-Quote", "a\"b"}};
  const std::string body("line1\nline2\t\"quoted\"\x01\0end", 25);  // control chars and a NUL
  d.body = body;
  json::object root = Parse(BuildHttpInvocationRequest(HttpFunction(), d, kNow, "g"));
  const json::object& req = root["Data"].get_object().at("req").as_object();
  EXPECT_EQ(req.at("Body").get_string(), d.body);
  EXPECT_EQ(req.at("Query").at("q").get_string(), "say \"hi\"\\\n");
  EXPECT_EQ(req.at("Headers").at("X-Quote").at(0).get_string(), "a\"b");
}

// ---------------------------------------------------------------------------------------------
// ParseQueryString

TEST(ParseQueryStringTest, SimplePairsInOrder) {
  EXPECT_THAT(ParseQueryString("a=1&b=2&a=3"),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("a", "3")));
}

TEST(ParseQueryStringTest, PercentDecoding) {
  EXPECT_THAT(ParseQueryString("name=x%20y&k%3Dey=v%26al&up=%C3%A9%c3%a9"),
              ElementsAre(Pair("name", "x y"), Pair("k=ey", "v&al"), Pair("up", "\xC3\xA9\xC3\xA9")));
}

TEST(ParseQueryStringTest, PlusIsASpaceButEncodedPlusIsAPlus) {
  EXPECT_THAT(ParseQueryString("q=a+b&p=1%2B1&x+y=z"),
              ElementsAre(Pair("q", "a b"), Pair("p", "1+1"), Pair("x y", "z")));
}

TEST(ParseQueryStringTest, InvalidEscapesAreKeptAsWritten) {
  EXPECT_THAT(ParseQueryString("a=%zz&b=%4&c=%&d=100%&e=%g1&f=%4G"),
              ElementsAre(Pair("a", "%zz"), Pair("b", "%4"), Pair("c", "%"), Pair("d", "100%"),
                          Pair("e", "%g1"), Pair("f", "%4G")));
}

TEST(ParseQueryStringTest, EscapeAtTheVeryEnd) {
  EXPECT_THAT(ParseQueryString("a=%41"), ElementsAre(Pair("a", "A")));
  EXPECT_THAT(ParseQueryString("a=%4"), ElementsAre(Pair("a", "%4")));
  EXPECT_THAT(ParseQueryString("a=%%41"), ElementsAre(Pair("a", "%A")));
}

TEST(ParseQueryStringTest, EmptyPartsAreSkipped) {
  EXPECT_THAT(ParseQueryString(""), IsEmpty());
  EXPECT_THAT(ParseQueryString("&"), IsEmpty());
  EXPECT_THAT(ParseQueryString("&&a=1&&b=2&"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

TEST(ParseQueryStringTest, NameWithoutEqualsHasEmptyValue) {
  EXPECT_THAT(ParseQueryString("flag&a=1&other"),
              ElementsAre(Pair("flag", ""), Pair("a", "1"), Pair("other", "")));
  EXPECT_THAT(ParseQueryString("a="), ElementsAre(Pair("a", "")));
}

TEST(ParseQueryStringTest, OnlyTheFirstEqualsSplits) {
  EXPECT_THAT(ParseQueryString("expr=a=b=c"), ElementsAre(Pair("expr", "a=b=c")));
}

// ---------------------------------------------------------------------------------------------
// ParseInvocationResponse

InvocationOutcome MustParse(const FunctionConfig& f, std::string_view body) {
  auto r = ParseInvocationResponse(f, body);
  EXPECT_TRUE(r.ok()) << body << " -> " << r.status().ToString();
  if (!r.ok()) return {};
  return std::move(r).value();
}

Status ParseError(const FunctionConfig& f, std::string_view body) {
  auto r = ParseInvocationResponse(f, body);
  EXPECT_FALSE(r.ok()) << body;
  return r.status();
}

auto Header(std::string name, std::string value) {
  return AllOf(Field(&HttpHeader::name, name), Field(&HttpHeader::value, value));
}

TEST(ParseInvocationResponseTest, StatusCodeAsNumber) {
  InvocationOutcome out = MustParse(
      HttpFunction(), R"({"Outputs":{"res":{"statusCode":201,"body":"created"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 201);
  EXPECT_EQ(out.http->body, "created");
}

TEST(ParseInvocationResponseTest, StatusCodeAsString) {
  InvocationOutcome out =
      MustParse(HttpFunction(), R"({"Outputs":{"res":{"statusCode":"404","body":"nope"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 404);
  EXPECT_EQ(out.http->body, "nope");
}

TEST(ParseInvocationResponseTest, MissingStatusCodeIs200) {
  InvocationOutcome out = MustParse(HttpFunction(), R"({"Outputs":{"res":{"body":"hi"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 200);
}

TEST(ParseInvocationResponseTest, StringBodyIsTextPlain) {
  InvocationOutcome out =
      MustParse(HttpFunction(), R"({"Outputs":{"res":{"statusCode":200,"body":"Hello, x"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->body, "Hello, x");
  ASSERT_NE(out.http->FindHeader("Content-Type"), nullptr);
  EXPECT_THAT(*out.http->FindHeader("Content-Type"), HasSubstr("text/plain"));
}

TEST(ParseInvocationResponseTest, ObjectBodyIsSerializedAsJson) {
  InvocationOutcome out = MustParse(
      HttpFunction(), R"({"Outputs":{"res":{"statusCode":200,"body":{"a":[1,2],"b":"x"}}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(json::parse(out.http->body), json::parse(R"({"a":[1,2],"b":"x"})"));
  ASSERT_NE(out.http->FindHeader("content-type"), nullptr);
  EXPECT_THAT(*out.http->FindHeader("content-type"), HasSubstr("application/json"));
}

TEST(ParseInvocationResponseTest, HeadersObjectIsCopiedAndItsContentTypeWins) {
  InvocationOutcome out = MustParse(HttpFunction(), R"({"Outputs":{"res":{
      "statusCode":200,
      "headers":{"Content-Type":"application/xml","X-Count":3,"Set-Cookie":["a=1","b=2"]},
      "body":"<a/>"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_THAT(out.http->headers,
              UnorderedElementsAre(Header("Content-Type", "application/xml"), Header("X-Count", "3"),
                                   Header("Set-Cookie", "a=1"), Header("Set-Cookie", "b=2")));
  EXPECT_EQ(out.http->body, "<a/>");
}

TEST(ParseInvocationResponseTest, HeadersNotAnObjectIsAnError) {
  Status s = ParseError(HttpFunction(),
                        R"({"Outputs":{"res":{"statusCode":200,"headers":["X-A: 1"]}}})");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("headers"));
  EXPECT_THAT(s.message(), HasSubstr("res"));
}

TEST(ParseInvocationResponseTest, OutputNameComesFromTheHttpOutBinding) {
  // The function's http output is named "response"; "res" is someone else's.
  FunctionConfig f = HttpFunction("F", "req", "response");
  InvocationOutcome out = MustParse(
      f, R"({"Outputs":{"res":{"statusCode":500},"response":{"statusCode":202,"body":"ok"}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 202);
  EXPECT_EQ(out.http->body, "ok");
}

TEST(ParseInvocationResponseTest, DollarReturnUsesReturnValue) {
  FunctionConfig f = HttpFunction("F", "req", "$return");
  InvocationOutcome out = MustParse(f, R"({"Outputs":{"res":{"statusCode":500}},
                                           "ReturnValue":{"statusCode":203,"body":"from return"}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 203);
  EXPECT_EQ(out.http->body, "from return");
}

TEST(ParseInvocationResponseTest, DollarReturnWithoutReturnValueIs204) {
  FunctionConfig f = HttpFunction("F", "req", "$return");
  InvocationOutcome out = MustParse(f, R"({"Outputs":{"$return":{"statusCode":200}}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 204);
}

TEST(ParseInvocationResponseTest, MissingHttpOutputIs204NoContent) {
  for (const char* body : {R"({})", R"({"Outputs":{}})", R"({"Outputs":null})",
                           R"({"Outputs":{"res":null}})", R"({"Outputs":{"other":{"statusCode":500}}})"}) {
    InvocationOutcome out = MustParse(HttpFunction(), body);
    ASSERT_TRUE(out.http.has_value()) << body;
    EXPECT_EQ(out.http->status, 204) << body;
    EXPECT_EQ(out.http->body, "") << body;
    EXPECT_TRUE(out.http->headers.empty()) << body;
  }
}

TEST(ParseInvocationResponseTest, FunctionWithoutHttpOutputHasNoHttpResponse) {
  InvocationOutcome out =
      MustParse(QueueFunction(), R"({"Outputs":{"res":{"statusCode":200}},"Logs":["done"]})");
  EXPECT_FALSE(out.http.has_value());
  EXPECT_THAT(out.logs, ElementsAre("done"));
}

TEST(ParseInvocationResponseTest, LogsLinesAreReturnedInOrder) {
  InvocationOutcome out = MustParse(
      HttpFunction(),
      R"({"Outputs":{"res":{"statusCode":200}},"Logs":["first line","second \"quoted\"",""]})");
  EXPECT_THAT(out.logs, ElementsAre("first line", "second \"quoted\"", ""));
}

TEST(ParseInvocationResponseTest, NonStringLogEntriesAreSerialized) {
  InvocationOutcome out = MustParse(QueueFunction(), R"({"Logs":[42,{"a":1}]})");
  ASSERT_EQ(out.logs.size(), 2u);
  EXPECT_EQ(out.logs[0], "42");
  EXPECT_EQ(json::parse(out.logs[1]), json::parse(R"({"a":1})"));
}

TEST(ParseInvocationResponseTest, LogsNotAnArrayIsAnError) {
  Status s = ParseError(HttpFunction(), R"({"Logs":"oops"})");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("Logs"));
}

TEST(ParseInvocationResponseTest, MalformedJsonIsAnError) {
  for (const char* body : {"", "{", "not json", R"({"Outputs":{"res":{"statusCode":200}})",
                           R"({"Outputs": {"res": }})"}) {
    Status s = ParseError(HttpFunction(), body);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << body;
    EXPECT_THAT(s.message(), HasSubstr("JSON")) << body;
  }
}

TEST(ParseInvocationResponseTest, NonObjectRootIsAnError) {
  for (const char* body : {"[]", R"("text")", "42", "null", "true"}) {
    Status s = ParseError(HttpFunction(), body);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << body;
    EXPECT_THAT(s.message(), HasSubstr("object")) << body;
  }
}

TEST(ParseInvocationResponseTest, BadStatusCodeIsAnError) {
  for (const char* code : {R"("abc")", "42", "1000", "99", "-200", R"("")", R"("200x")", "200.5",
                           "true", "[200]", R"({"v":200})"}) {
    std::string body = std::string(R"({"Outputs":{"res":{"statusCode":)") + code + "}}}";
    Status s = ParseError(HttpFunction(), body);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << body;
    EXPECT_THAT(s.message(), HasSubstr("statusCode")) << body;
    EXPECT_THAT(s.message(), HasSubstr("'res'")) << body;
  }
}

TEST(ParseInvocationResponseTest, StatusCodeBoundaries) {
  for (int code : {100, 599, 999}) {
    std::string body = R"({"Outputs":{"res":{"statusCode":)" + std::to_string(code) + "}}}";
    InvocationOutcome out = MustParse(HttpFunction(), body);
    ASSERT_TRUE(out.http.has_value());
    EXPECT_EQ(out.http->status, code);
  }
}

TEST(ParseInvocationResponseTest, OutputsNotAnObjectIsAnError) {
  for (const char* body : {R"({"Outputs":[]})", R"({"Outputs":"res"})", R"({"Outputs":1})"}) {
    Status s = ParseError(HttpFunction(), body);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << body;
    EXPECT_THAT(s.message(), HasSubstr("Outputs")) << body;
  }
  // Also for a function without an http output: the response itself is malformed.
  EXPECT_FALSE(ParseInvocationResponse(QueueFunction(), R"({"Outputs":[]})").ok());
}

TEST(ParseInvocationResponseTest, BareStringOutputIsTheBody) {
  InvocationOutcome out = MustParse(HttpFunction(), R"({"Outputs":{"res":"just text"}})");
  ASSERT_TRUE(out.http.has_value());
  EXPECT_EQ(out.http->status, 200);
  EXPECT_EQ(out.http->body, "just text");
}

// ---------------------------------------------------------------------------------------------
// HttpOutputToResponse directly

TEST(HttpOutputToResponseTest, AcceptsStatusAsAlternativeName) {
  auto r = HttpOutputToResponse(R"({"status":418,"body":"teapot"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, "teapot");
}

TEST(HttpOutputToResponseTest, NonJsonIsAnError) {
  EXPECT_FALSE(HttpOutputToResponse("{oops").ok());
}

TEST(HttpOutputToResponseTest, NumberBodyIsJson) {
  auto r = HttpOutputToResponse(R"({"body":12})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "12");
  ASSERT_NE(r->FindHeader("Content-Type"), nullptr);
  EXPECT_THAT(*r->FindHeader("Content-Type"), HasSubstr("application/json"));
}

}  // namespace
}  // namespace squall
