#include "config/function_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace squall {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr const char* kFile = "myapp/Hello/function.json";

auto Issue(const std::string& pointer, const std::string& text) {
  return AllOf(Field(&ConfigIssue::file, kFile), Field(&ConfigIssue::pointer, pointer),
               Field(&ConfigIssue::message, HasSubstr(text)));
}

struct Parsed {
  FunctionConfig fn;
  std::vector<ConfigIssue> errors;
  std::vector<ConfigIssue> warnings;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.fn = ParseFunctionJson(text, kFile, p.errors, p.warnings);
  return p;
}

// A function whose bindings are an HTTP trigger with `trigger_extra` members, then `more`.
Parsed ParseHttp(const std::string& trigger_extra, const std::string& more = "") {
  std::string text = R"({"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req")";
  if (!trigger_extra.empty()) text += ", " + trigger_extra;
  text += "}";
  if (!more.empty()) text += ", " + more;
  return Parse(text + "]}");
}

TEST(ParseFunctionJsonTest, AzureHttpExample) {
  // The custom handler quickstart's HttpExample/function.json.
  Parsed p = Parse(R"({
    "bindings": [
      {
        "authLevel": "anonymous",
        "type": "httpTrigger",
        "direction": "in",
        "name": "req",
        "methods": ["get", "post"]
      },
      {
        "type": "http",
        "direction": "out",
        "name": "res"
      }
    ]
  })");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  ASSERT_THAT(p.fn.bindings, SizeIs(2));
  const Binding& t = p.fn.bindings[0];
  EXPECT_EQ(t.type, "httpTrigger");
  EXPECT_EQ(t.direction, "in");
  EXPECT_EQ(t.name, "req");
  EXPECT_EQ(t.auth_level, AuthLevel::kAnonymous);
  EXPECT_THAT(t.methods, ElementsAre("GET", "POST"));
  EXPECT_EQ(t.route, std::nullopt);
  EXPECT_THAT(t.extra_json, IsEmpty());
  EXPECT_EQ(p.fn.bindings[1].type, "http");
  EXPECT_EQ(p.fn.bindings[1].direction, "out");
  EXPECT_EQ(p.fn.bindings[1].name, "res");
  EXPECT_FALSE(p.fn.disabled);
  EXPECT_TRUE(p.fn.name.empty()) << "the loader sets the name from the folder";
}

TEST(ParseFunctionJsonTest, AzureQueueExampleKeepsExtraKeysAsJson) {
  Parsed p = Parse(R"({
    "bindings": [
      {
        "name": "myQueueItem",
        "type": "queueTrigger",
        "direction": "in",
        "queueName": "messages-incoming",
        "connection": "AzureWebJobsStorage"
      },
      {
        "name": "$return",
        "type": "queue",
        "direction": "out",
        "queueName": "messages-outgoing",
        "connection": "AzureWebJobsStorage"
      }
    ]
  })");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  ASSERT_THAT(p.fn.bindings, SizeIs(2));
  EXPECT_THAT(p.fn.bindings[0].extra_json,
              UnorderedElementsAre(Pair("queueName", "\"messages-incoming\""),
                                   Pair("connection", "\"AzureWebJobsStorage\"")));
  EXPECT_EQ(p.fn.bindings[1].name, "$return");
  EXPECT_EQ(p.fn.bindings[1].extra_json.at("queueName"), "\"messages-outgoing\"");
}

TEST(ParseFunctionJsonTest, TimerAndBlobTriggersParse) {
  Parsed p = Parse(R"({"bindings": [{"schedule": "0 */5 * * * *", "name": "myTimer",
      "type": "timerTrigger", "direction": "in", "runOnStartup": false}]})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.fn.bindings[0].extra_json.at("schedule"), "\"0 */5 * * * *\"");
  EXPECT_EQ(p.fn.bindings[0].extra_json.at("runOnStartup"), "false");

  p = Parse(R"({"bindings": [{"name": "myBlob", "type": "blobTrigger", "direction": "in",
      "path": "samples-workitems/{name}", "connection": "MyStorageAccountAppSetting",
      "source": "EventGrid"}]})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.fn.bindings[0].extra_json, SizeIs(3));
}

TEST(ParseFunctionJsonTest, NonHttpBindingsKeepHttpLookingKeysRaw) {
  Parsed p = Parse(R"({"bindings": [{"name": "m", "type": "queueTrigger", "direction": "in",
      "authLevel": "sometimes", "methods": {"a": [1, 2]}, "route": 5}]})");
  EXPECT_THAT(p.errors, IsEmpty());
  const Binding& b = p.fn.bindings[0];
  EXPECT_EQ(b.extra_json.at("authLevel"), "\"sometimes\"");
  EXPECT_EQ(b.extra_json.at("methods"), "{\"a\":[1,2]}");
  EXPECT_EQ(b.extra_json.at("route"), "5");
}

TEST(ParseFunctionJsonTest, HttpTriggerDefaults) {
  Parsed p = ParseHttp("");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.fn.bindings[0].auth_level, AuthLevel::kFunction);
  EXPECT_THAT(p.fn.bindings[0].methods, IsEmpty());
  EXPECT_EQ(p.fn.bindings[0].route, std::nullopt);
}

TEST(ParseFunctionJsonTest, AuthLevels) {
  EXPECT_EQ(ParseHttp(R"("authLevel": "ADMIN")").fn.bindings[0].auth_level, AuthLevel::kAdmin);
  EXPECT_EQ(ParseHttp(R"("authLevel": "Function")").fn.bindings[0].auth_level,
            AuthLevel::kFunction);
  EXPECT_EQ(ParseHttp(R"("authLevel": "anonymous")").fn.bindings[0].auth_level,
            AuthLevel::kAnonymous);
  EXPECT_THAT(ParseHttp(R"("authLevel": "sometimes")").errors,
              ElementsAre(Issue("/bindings/0/authLevel",
                                "expected one of \"anonymous\", \"function\", \"admin\", got "
                                "\"sometimes\"")));
  EXPECT_THAT(ParseHttp(R"("authLevel": "System")").errors,
              ElementsAre(Issue("/bindings/0/authLevel",
                                "got \"System\" (reserved by Azure for its own endpoints")));
  EXPECT_THAT(ParseHttp(R"("authLevel": 1)").errors,
              ElementsAre(Issue("/bindings/0/authLevel", "got 1")));
}

TEST(ParseFunctionJsonTest, Methods) {
  Parsed p = ParseHttp(R"("methods": ["get", "Post", "PATCH", "get", "M-SEARCH"])");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.fn.bindings[0].methods, ElementsAre("GET", "POST", "PATCH", "M-SEARCH"));
  EXPECT_THAT(ParseHttp(R"("methods": null)").errors, IsEmpty());

  p = ParseHttp(R"("methods": ["get", "GE T", 3, ""])");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/0/methods/1",
                                          "expected an HTTP method such as \"get\" or \"post\", "
                                          "got \"GE T\""),
                                    Issue("/bindings/0/methods/2", "got 3"),
                                    Issue("/bindings/0/methods/3", "got \"\"")));
  EXPECT_THAT(ParseHttp(R"("methods": "get")").errors,
              ElementsAre(Issue("/bindings/0/methods", "expected an array of HTTP methods")));
}

TEST(ParseFunctionJsonTest, Route) {
  EXPECT_EQ(ParseHttp(R"("route": "products/{id:int?}")").fn.bindings[0].route,
            std::optional<std::string>("products/{id:int?}"));
  EXPECT_EQ(ParseHttp(R"("route": "")").fn.bindings[0].route, std::nullopt);
  EXPECT_EQ(ParseHttp(R"("route": null)").fn.bindings[0].route, std::nullopt);
  EXPECT_THAT(ParseHttp(R"("route": ["a"])").errors,
              ElementsAre(Issue("/bindings/0/route", "expected a string, got an array")));
}

TEST(ParseFunctionJsonTest, HttpTriggerExtraKeysKept) {
  Parsed p = ParseHttp(R"("webHookType": "github")");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  EXPECT_EQ(p.fn.bindings[0].extra_json.at("webHookType"), "\"github\"");
}

TEST(ParseFunctionJsonTest, Disabled) {
  EXPECT_TRUE(ParseHttp("", "").fn.disabled == false);
  Parsed p = Parse(R"({"disabled": true, "bindings": [{"type": "httpTrigger",
      "direction": "in", "name": "req"}]})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_TRUE(p.fn.disabled);
  p = Parse(R"({"disabled": "yes", "bindings": [{"type": "httpTrigger",
      "direction": "in", "name": "req"}]})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/disabled", "expected true or false, got \"yes\"")));
}

TEST(ParseFunctionJsonTest, BindingsRequired) {
  EXPECT_THAT(Parse("{}").errors,
              ElementsAre(Issue("/bindings", "missing required field: expected an array")));
  EXPECT_THAT(Parse(R"({"bindings": []})").errors,
              ElementsAre(Issue("/bindings",
                                "expected at least one binding (the trigger), got "
                                "an empty array")));
  EXPECT_THAT(Parse(R"({"bindings": {}})").errors,
              ElementsAre(Issue("/bindings", "expected an array, got an object")));
  EXPECT_THAT(Parse(R"({"bindings": [7]})").errors,
              ElementsAre(Issue("/bindings/0", "expected a binding object, got 7")));
}

TEST(ParseFunctionJsonTest, BindingRequiredFields) {
  Parsed p = Parse(R"({"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req"},
                                    {}]})");
  EXPECT_THAT(p.errors,
              ElementsAre(Issue("/bindings/1/type",
                                "missing required field: expected a binding "
                                "type"),
                          Issue("/bindings/1/direction",
                                "missing required field: expected one of \"in\", \"out\", "
                                "\"inout\""),
                          Issue("/bindings/1/name", "missing required field")));
}

TEST(ParseFunctionJsonTest, BindingFieldValues) {
  Parsed p = ParseHttp("", R"({"type": "", "direction": "up", "name": "1abc"})");
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/type", "got \"\"")));
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/direction",
                                       "expected one of \"in\", \"out\", \"inout\", got \"up\"")));
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/name", "or \"$return\", got \"1abc\"")));
  EXPECT_THAT(p.errors, SizeIs(3));

  p = ParseHttp("", R"({"type": 3, "direction": null, "name": {}})");
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/type", "expected a string, got 3")));
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/direction", "got null")));
  EXPECT_THAT(p.errors, Contains(Issue("/bindings/1/name", "expected a string, got an object")));
}

TEST(ParseFunctionJsonTest, DirectionIsCaseInsensitiveAndNormalized) {
  Parsed p = ParseHttp("", R"({"type": "http", "direction": "OUT", "name": "res"})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.fn.bindings[1].direction, "out");
}

TEST(ParseFunctionJsonTest, ReturnOnlyForOut) {
  Parsed p = ParseHttp("", R"({"type": "blob", "direction": "in", "name": "$return",
                              "path": "x/{id}"})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/1/name",
                                          "\"$return\" is only allowed for an \"out\" binding, "
                                          "got direction \"in\"")));
}

TEST(ParseFunctionJsonTest, BindingNamesUnique) {
  Parsed p = ParseHttp("", R"({"type": "http", "direction": "out", "name": "REQ"})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/1/name",
                                          "binding names must be unique, got \"REQ\" again (as "
                                          "in /bindings/0)")));
}

TEST(ParseFunctionJsonTest, ExactlyOneTrigger) {
  Parsed p = Parse(R"({"bindings": [{"type": "http", "direction": "out", "name": "res"}]})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings",
                                          "expected exactly one trigger binding (a "
                                          "type ending in \"Trigger\", such as "
                                          "\"httpTrigger\"), got none")));
  p = ParseHttp("", R"({"type": "QUEUETRIGGER", "direction": "in", "name": "m"},
                       {"type": "timerTrigger", "direction": "in", "name": "t"})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/1/type",
                                          "expected exactly one trigger per function, got a "
                                          "second one (the first is /bindings/0)"),
                                    Issue("/bindings/2/type", "got a second one")));
}

TEST(ParseFunctionJsonTest, NoTriggerErrorOnlyWhenTypesAreKnown) {
  // The missing type is the error; "no trigger" would just repeat it.
  Parsed p = Parse(R"({"bindings": [{"direction": "in", "name": "req"}]})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/0/type", "missing required field")));
}

TEST(ParseFunctionJsonTest, TriggerDirectionMustBeIn) {
  Parsed p = Parse(R"({"bindings": [{"type": "httpTrigger", "direction": "out", "name": "r"}]})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/bindings/0/direction",
                                          "expected \"in\" for a trigger, got \"out\"")));
}

TEST(ParseFunctionJsonTest, TopLevelKeys) {
  Parsed p = Parse(R"({"scriptFile": "../handler", "entryPoint": "x", "generatedBy": "tool",
      "configurationSource": "attributes", "retry": {"strategy": "fixedDelay"},
      "bindings": [{"type": "httpTrigger", "direction": "in", "name": "req"}],
      "bindngs": [], "x~y/z": 1})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, ElementsAre(Issue("/bindngs", "unknown field \"bindngs\" is ignored"),
                                      Issue("/x~0y~1z", "unknown field \"x~y/z\"")));
}

TEST(ParseFunctionJsonTest, InvalidJson) {
  Parsed p = Parse("{\"bindings\": [\n  {\"type\": \"httpTrigger\",,}\n]}");
  EXPECT_THAT(p.errors, ElementsAre(Issue("", "invalid JSON at line 2, column 26")));
}

TEST(IsValidFunctionNameTest, AzureRules) {
  EXPECT_TRUE(IsValidFunctionName("HttpExample"));
  EXPECT_TRUE(IsValidFunctionName("a"));
  EXPECT_TRUE(IsValidFunctionName("my-func_2"));
  EXPECT_TRUE(IsValidFunctionName(std::string(128, 'a')));
  EXPECT_FALSE(IsValidFunctionName(std::string(129, 'a')));
  EXPECT_FALSE(IsValidFunctionName(""));
  EXPECT_FALSE(IsValidFunctionName("1func"));
  EXPECT_FALSE(IsValidFunctionName("_func"));
  EXPECT_FALSE(IsValidFunctionName("my func"));
  EXPECT_FALSE(IsValidFunctionName("my.func"));
}

}  // namespace
}  // namespace squall
