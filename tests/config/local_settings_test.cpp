#include "config/local_settings.h"

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

constexpr const char* kFile = "myapp/local.settings.json";

auto Issue(const std::string& pointer, const std::string& text) {
  return AllOf(Field(&ConfigIssue::file, kFile), Field(&ConfigIssue::pointer, pointer),
               Field(&ConfigIssue::message, HasSubstr(text)));
}

struct Parsed {
  LocalSettings settings;
  std::vector<ConfigIssue> errors;
  std::vector<ConfigIssue> warnings;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.settings = ParseLocalSettings(text, kFile, p.errors, p.warnings);
  return p;
}

TEST(ParseLocalSettingsTest, AzureExample) {
  // The shape documented for Core Tools' local.settings.json.
  Parsed p = Parse(R"({
    "IsEncrypted": false,
    "Values": {
      "FUNCTIONS_WORKER_RUNTIME": "custom",
      "AzureWebJobsStorage": "UseDevelopmentStorage=true",
      "MyQueue": "orders"
    },
    "Host": {
      "LocalHttpPort": 7071,
      "CORS": "*",
      "CORSCredentials": false
    },
    "ConnectionStrings": {
      "SQLConnectionString": "<sqlclient-connection-string>"
    }
  })");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  EXPECT_THAT(p.settings.values,
              ElementsAre(Pair("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
                          Pair("FUNCTIONS_WORKER_RUNTIME", "custom"), Pair("MyQueue", "orders")));
  EXPECT_EQ(p.settings.local_http_port, 7071);
}

TEST(ParseLocalSettingsTest, EmptyObjectIsFine) {
  Parsed p = Parse("{}");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.settings.values, IsEmpty());
  EXPECT_EQ(p.settings.local_http_port, std::nullopt);
}

TEST(ParseLocalSettingsTest, EncryptedIsAnError) {
  EXPECT_THAT(Parse(R"({"IsEncrypted": true})").errors,
              ElementsAre(Issue("/IsEncrypted",
                                "expected false, got true: encrypted settings "
                                "are not supported")));
  EXPECT_THAT(Parse(R"({"IsEncrypted": "false"})").errors,
              ElementsAre(Issue("/IsEncrypted", "expected true or false, got \"false\"")));
}

TEST(ParseLocalSettingsTest, ValuesMustBeStrings) {
  Parsed p = Parse(R"({"Values": {"OK": "1", "N": 1, "B": true, "Z": null, "O": {}, "A": [],
                                  "a/b": 2}})");
  EXPECT_THAT(p.errors,
              ElementsAre(Issue("/Values/N",
                                "expected a string (write numbers and "
                                "booleans in quotes), got 1"),
                          Issue("/Values/B", "got true"), Issue("/Values/Z", "got null"),
                          Issue("/Values/O", "got an object"), Issue("/Values/A", "got an array"),
                          Issue("/Values/a~1b", "got 2")));
  EXPECT_THAT(p.settings.values, ElementsAre(Pair("OK", "1")));
  EXPECT_THAT(Parse(R"({"Values": []})").errors,
              ElementsAre(Issue("/Values", "expected an object, got an array")));
}

TEST(ParseLocalSettingsTest, ValueNamesMustBeEnvironmentNames) {
  Parsed p = Parse(R"({"Values": {"": "x", "A=B": "y", "N\u0000": "z", "V": "a\u0000b"}})");
  EXPECT_THAT(p.errors, SizeIs(4));
  EXPECT_THAT(p.errors, Contains(Issue("/Values/", "expected an environment variable name")));
  EXPECT_THAT(p.errors, Contains(Issue("/Values/A=B", "got \"A=B\"")));
  EXPECT_THAT(p.errors, Contains(Issue("/Values/V", "without NUL")));
}

TEST(ParseLocalSettingsTest, LocalHttpPort) {
  for (const char* bad : {"0", "65536", "-1", "70000"}) {
    EXPECT_THAT(
        Parse(std::string(R"({"Host": {"LocalHttpPort": )") + bad + "}}").errors,
        ElementsAre(Issue("/Host/LocalHttpPort",
                          std::string("expected a port number from 1 to 65535, got ") + bad)));
  }
  EXPECT_THAT(Parse(R"({"Host": {"LocalHttpPort": "7071"}})").errors,
              ElementsAre(Issue("/Host/LocalHttpPort", "expected an integer, got \"7071\"")));
  EXPECT_EQ(Parse(R"({"Host": {"LocalHttpPort": 65535}})").settings.local_http_port, 65535);
  EXPECT_EQ(Parse(R"({"Host": {"LocalHttpPort": 1}})").settings.local_http_port, 1);
}

TEST(ParseLocalSettingsTest, UnknownFieldsWarn) {
  Parsed p = Parse(R"({"Values": {}, "Hots": {}, "Host": {"Port": 1}})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, ElementsAre(Issue("/Host/Port", "unknown field \"Port\" is ignored"),
                                      Issue("/Hots", "unknown field \"Hots\" is ignored")));
}

TEST(ParseLocalSettingsTest, InvalidJson) {
  EXPECT_THAT(Parse("{\"Values\": {\"A\": \"x\"\n\"B\": \"y\"}}").errors,
              ElementsAre(Issue("", "invalid JSON at line 2, column 1")));
}

}  // namespace
}  // namespace squall
