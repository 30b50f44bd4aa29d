#include "config/host_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace squall {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr const char* kFile = "myapp/host.json";

auto Issue(const std::string& pointer, const std::string& text) {
  return AllOf(Field(&ConfigIssue::file, kFile), Field(&ConfigIssue::pointer, pointer),
               Field(&ConfigIssue::message, HasSubstr(text)));
}

struct Parsed {
  HostConfig host;
  std::vector<ConfigIssue> errors;
  std::vector<ConfigIssue> warnings;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.host = ParseHostJson(text, kFile, p.errors, p.warnings);
  return p;
}

// The smallest valid host.json; `extra` is spliced in as more top-level members.
std::string Host(const std::string& extra = "") {
  std::string text = R"({"version": "2.0",
    "customHandler": {"description": {"defaultExecutablePath": "handler"}})";
  if (!extra.empty()) text += ", " + extra;
  return text + "}";
}

TEST(ParseHostJsonTest, AzureCustomHandlerExample) {
  // From "Azure Functions custom handlers" (learn.microsoft.com), plus the http settings.
  Parsed p = Parse(R"json({
    "version": "2.0",
    "logging": {
      "applicationInsights": {
        "samplingSettings": { "isEnabled": true, "excludedTypes": "Request" }
      }
    },
    "extensionBundle": {
      "id": "Microsoft.Azure.Functions.ExtensionBundle",
      "version": "[4.*, 5.0.0)"
    },
    "customHandler": {
      "description": {
        "defaultExecutablePath": "handler",
        "workingDirectory": "",
        "arguments": []
      },
      "enableForwardingHttpRequest": true
    }
  })json");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  EXPECT_EQ(p.host.version, "2.0");
  EXPECT_EQ(p.host.custom_handler.default_executable_path, "handler");
  EXPECT_THAT(p.host.custom_handler.arguments, IsEmpty());
  EXPECT_EQ(p.host.custom_handler.working_directory, "");
  EXPECT_TRUE(p.host.custom_handler.enable_forwarding_http_request);
}

TEST(ParseHostJsonTest, Defaults) {
  Parsed p = Parse(Host());
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  EXPECT_FALSE(p.host.custom_handler.enable_forwarding_http_request);
  EXPECT_EQ(p.host.custom_handler.initialization_timeout, std::chrono::seconds(30));
  EXPECT_EQ(p.host.http.route_prefix, "api");
  EXPECT_EQ(p.host.http.max_concurrent_requests, -1);
  EXPECT_EQ(p.host.http.max_outstanding_requests, -1);
  EXPECT_EQ(p.host.http.max_request_body_bytes, 104857600u);
  EXPECT_EQ(p.host.function_timeout, std::optional<Duration>(std::chrono::minutes(5)));
  EXPECT_EQ(p.host.logging.default_level, LogLevel::kInformation);
  EXPECT_THAT(p.host.logging.category_levels, IsEmpty());
}

TEST(ParseHostJsonTest, AllModeledFields) {
  Parsed p = Parse(R"({
    "version": "2.0",
    "customHandler": {
      "description": {"defaultExecutablePath": "bin/server", "arguments": ["--port", "0"],
                      "workingDirectory": "bin"},
      "enableForwardingHttpRequest": false,
      "initializationTimeout": "00:01:30"
    },
    "extensions": {"http": {"routePrefix": "/v1/", "maxConcurrentRequests": 100,
                            "maxOutstandingRequests": 200, "maxRequestBodySize": 1024}},
    "functionTimeout": "00:10:00",
    "logging": {"logLevel": {"default": "Warning", "Function.Hello": "debug",
                             "Host.Results": "None"}}
  })");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  const HostConfig& h = p.host;
  EXPECT_EQ(h.custom_handler.default_executable_path, "bin/server");
  EXPECT_EQ(h.custom_handler.arguments, (std::vector<std::string>{"--port", "0"}));
  EXPECT_EQ(h.custom_handler.working_directory, "bin");
  EXPECT_EQ(h.custom_handler.initialization_timeout, std::chrono::seconds(90));
  EXPECT_EQ(h.http.route_prefix, "v1");
  EXPECT_EQ(h.http.max_concurrent_requests, 100);
  EXPECT_EQ(h.http.max_outstanding_requests, 200);
  EXPECT_EQ(h.http.max_request_body_bytes, 1024u);
  EXPECT_EQ(h.function_timeout, std::optional<Duration>(std::chrono::minutes(10)));
  EXPECT_EQ(h.logging.default_level, LogLevel::kWarning);
  EXPECT_EQ(h.logging.category_levels.at("Function.Hello"), LogLevel::kDebug);
  EXPECT_EQ(h.logging.category_levels.at("Host.Results"), LogLevel::kNone);
  EXPECT_THAT(h.logging.category_levels, SizeIs(2));
}

TEST(ParseHostJsonTest, RoutePrefixMayBeEmpty) {
  EXPECT_EQ(Parse(Host(R"("extensions": {"http": {"routePrefix": ""}})")).host.http.route_prefix,
            "");
  EXPECT_EQ(Parse(Host(R"("extensions": {"http": {"routePrefix": "/"}})")).host.http.route_prefix,
            "");
  EXPECT_EQ(
      Parse(Host(R"("extensions": {"http": {"routePrefix": "//a/b//"}})")).host.http.route_prefix,
      "a/b");
}

TEST(ParseHostJsonTest, FunctionTimeoutForms) {
  EXPECT_EQ(Parse(Host(R"("functionTimeout": "-1")")).host.function_timeout, std::nullopt);
  EXPECT_EQ(Parse(Host(R"("functionTimeout": "1.00:00:00")")).host.function_timeout,
            std::optional<Duration>(std::chrono::hours(24)));
  EXPECT_EQ(Parse(Host(R"("functionTimeout": "00:00:00.5")")).host.function_timeout,
            std::optional<Duration>(std::chrono::milliseconds(500)));
}

TEST(ParseHostJsonTest, FunctionTimeoutErrors) {
  Parsed p = Parse(Host(R"("functionTimeout": "abc")"));
  EXPECT_THAT(p.errors, Contains(Issue("/functionTimeout",
                                       "expected a duration \"hh:mm:ss\" (or \"d.hh:mm:ss\") or "
                                       "\"-1\" for no limit, got \"abc\"")));
  EXPECT_THAT(
      Parse(Host(R"("functionTimeout": "00:00:00")")).errors,
      Contains(Issue("/functionTimeout", "expected a positive duration, got \"00:00:00\"")));
  EXPECT_THAT(Parse(Host(R"("functionTimeout": "-00:01:00")")).errors,
              Contains(Issue("/functionTimeout", "expected a positive duration")));
  EXPECT_THAT(Parse(Host(R"("functionTimeout": 300)")).errors,
              Contains(Issue("/functionTimeout", "got 300")));
  EXPECT_THAT(Parse(Host(R"("functionTimeout": -1)")).errors,
              Contains(Issue("/functionTimeout", "got -1")));
}

TEST(ParseHostJsonTest, InitializationTimeoutMustBeBounded) {
  Parsed p = Parse(R"({"version": "2.0", "customHandler": {
      "description": {"defaultExecutablePath": "h"}, "initializationTimeout": "-1"}})");
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/initializationTimeout",
                                       "got \"-1\" (this timeout cannot be unlimited)")));
  p = Parse(R"({"version": "2.0", "customHandler": {
      "description": {"defaultExecutablePath": "h"}, "initializationTimeout": "soon"}})");
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/initializationTimeout",
                                       "expected a duration \"hh:mm:ss\" (or \"d.hh:mm:ss\"), got "
                                       "\"soon\"")));
}

TEST(ParseHostJsonTest, VersionRequiredAndMustBe20) {
  Parsed p = Parse(R"({"customHandler": {"description": {"defaultExecutablePath": "h"}}})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/version", "missing required field: expected \"2.0\"")));
  EXPECT_THAT(Parse(R"({"version": "1.0",
      "customHandler": {"description": {"defaultExecutablePath": "h"}}})")
                  .errors,
              ElementsAre(Issue("/version",
                                "expected \"2.0\" (the Azure Functions v2+ host.json "
                                "schema), got \"1.0\"")));
  EXPECT_THAT(Parse(R"({"version": 2.0,
      "customHandler": {"description": {"defaultExecutablePath": "h"}}})")
                  .errors,
              ElementsAre(Issue("/version", "got 2.0")));
}

TEST(ParseHostJsonTest, CustomHandlerRequired) {
  Parsed p = Parse(R"({"version": "2.0"})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/customHandler", "missing required field")));
  p = Parse(R"({"version": "2.0", "customHandler": {}})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/customHandler/description",
                                          "missing required field: expected an object")));
  p = Parse(R"({"version": "2.0", "customHandler": {"description": {}}})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/customHandler/description/defaultExecutablePath",
                                          "missing required field: expected a string")));
  p = Parse(
      R"({"version": "2.0", "customHandler": {"description": {"defaultExecutablePath": ""}}})");
  EXPECT_THAT(p.errors,
              ElementsAre(Issue("/customHandler/description/defaultExecutablePath", "got \"\"")));
  p = Parse(R"({"version": "2.0", "customHandler": []})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/customHandler", "expected an object, got an array")));
}

TEST(ParseHostJsonTest, CustomHandlerTypeErrors) {
  Parsed p = Parse(R"({"version": "2.0", "customHandler": {
      "description": {"defaultExecutablePath": 5, "arguments": ["a", 1, null],
                      "workingDirectory": false},
      "enableForwardingHttpRequest": "yes"}})");
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/description/defaultExecutablePath",
                                       "expected a string, got 5")));
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/description/arguments/1",
                                       "expected a string, got 1")));
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/description/arguments/2",
                                       "expected a string, got null")));
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/description/workingDirectory",
                                       "expected a string, got false")));
  EXPECT_THAT(p.errors, Contains(Issue("/customHandler/enableForwardingHttpRequest",
                                       "expected true or false, got \"yes\"")));
  EXPECT_THAT(p.errors, SizeIs(5));

  p = Parse(R"({"version": "2.0", "customHandler": {
      "description": {"defaultExecutablePath": "h", "arguments": "--verbose"}}})");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/customHandler/description/arguments",
                                          "expected an array, got \"--verbose\"")));
}

TEST(ParseHostJsonTest, ConcurrencyLimits) {
  Parsed p = Parse(Host(R"("extensions": {"http": {"maxConcurrentRequests": 0,
                                                    "maxOutstandingRequests": -2}})"));
  EXPECT_THAT(p.errors,
              Contains(Issue("/extensions/http/maxConcurrentRequests",
                             "expected -1 (no limit) or an integer from 1 to 2147483647, got 0")));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/http/maxOutstandingRequests", "got -2")));
  p = Parse(Host(R"("extensions": {"http": {"maxConcurrentRequests": 1.5,
                                             "maxOutstandingRequests": 3000000000}})"));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/http/maxConcurrentRequests",
                                       "expected an integer, got 1.5")));
  EXPECT_THAT(p.errors,
              Contains(Issue("/extensions/http/maxOutstandingRequests", "got 3000000000")));
  p = Parse(Host(R"("extensions": {"http": {"maxConcurrentRequests": -1,
                                             "maxOutstandingRequests": 10.0}})"));
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.host.http.max_concurrent_requests, -1);
  EXPECT_EQ(p.host.http.max_outstanding_requests, 10);
}

TEST(ParseHostJsonTest, DynamicConcurrency) {
  Parsed p = Parse(Host(R"("concurrency": {"dynamicConcurrencyEnabled": true,
      "snapshotPersistenceEnabled": false, "maximumFunctionConcurrency": 64,
      "cpuThreshold": 0.5})"));
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_TRUE(p.host.concurrency.dynamic_concurrency_enabled);
  EXPECT_FALSE(p.host.concurrency.snapshot_persistence_enabled);
  EXPECT_EQ(p.host.concurrency.maximum_function_concurrency, 64);
  EXPECT_DOUBLE_EQ(p.host.concurrency.cpu_threshold, 0.5);

  p = Parse(Host(R"("concurrency": {})"));
  EXPECT_FALSE(p.host.concurrency.dynamic_concurrency_enabled);
  EXPECT_TRUE(p.host.concurrency.snapshot_persistence_enabled);
  EXPECT_EQ(p.host.concurrency.maximum_function_concurrency, 500);
  EXPECT_DOUBLE_EQ(p.host.concurrency.cpu_threshold, 0.80);

  p = Parse(Host(R"("concurrency": {"dynamicConcurrencyEnabled": "yes",
      "maximumFunctionConcurrency": 0, "cpuThreshold": 1, "typo": 1})"));
  EXPECT_THAT(p.errors, Contains(Issue("/concurrency/dynamicConcurrencyEnabled", "")));
  EXPECT_THAT(p.errors, Contains(Issue("/concurrency/maximumFunctionConcurrency",
                                       "expected an integer from 1 to 100000, or -1 for no "
                                       "limit, got 0")));
  EXPECT_THAT(p.errors, Contains(Issue("/concurrency/cpuThreshold",
                                       "expected a number between 0 and 1 (exclusive), got 1")));
  EXPECT_THAT(p.warnings, Contains(Issue("/concurrency/typo", "unknown field")));
  EXPECT_EQ(p.host.concurrency.maximum_function_concurrency, 500) << "a bad value keeps the default";
}

TEST(ParseHostJsonTest, MaxRequestBodySize) {
  EXPECT_THAT(Parse(Host(R"("extensions": {"http": {"maxRequestBodySize": 0}})")).errors,
              ElementsAre(Issue("/extensions/http/maxRequestBodySize",
                                "expected a positive number of bytes, got 0")));
  EXPECT_THAT(Parse(Host(R"("extensions": {"http": {"maxRequestBodySize": "1MB"}})")).errors,
              ElementsAre(Issue("/extensions/http/maxRequestBodySize",
                                "expected an integer, got \"1MB\"")));
}

TEST(ParseHostJsonTest, LogLevels) {
  Parsed p = Parse(Host(R"("logging": {"logLevel": {"default": "Verbose", "Host": 3}})"));
  EXPECT_THAT(p.errors, Contains(Issue("/logging/logLevel/default",
                                       "expected a log level (\"Trace\", \"Debug\", "
                                       "\"Information\", \"Warning\", \"Error\", \"Critical\" or "
                                       "\"None\"), got \"Verbose\"")));
  EXPECT_THAT(p.errors, Contains(Issue("/logging/logLevel/Host", "got 3")));
  p = Parse(Host(R"("logging": {"logLevel": {"DEFAULT": "error"}})"));
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.host.logging.default_level, LogLevel::kError);
}

TEST(ParseHostJsonTest, WellKnownAzureSectionsAreSilent) {
  Parsed p = Parse(Host(R"json(
    "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle",
                        "version": "[4.*, 5.0.0)"},
    "concurrency": {"dynamicConcurrencyEnabled": true, "snapshotPersistenceEnabled": true},
    "healthMonitor": {"enabled": true}, "managedDependency": {"enabled": true},
    "aggregator": {"batchSize": 1000}, "watchDirectories": ["Shared"], "watchFiles": ["x"],
    "singleton": {"lockPeriod": "00:00:15"}, "retry": {"strategy": "fixedDelay"},
    "extensions": {"queues": {"batchSize": 16}, "blobs": {}, "serviceBus": {},
                   "http": {"dynamicThrottlesEnabled": true, "hsts": {}, "customHeaders": {}}},
    "logging": {"applicationInsights": {}, "fileLoggingMode": "always", "console": {}})json"));
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
}

TEST(ParseHostJsonTest, UnknownFieldsWarn) {
  Parsed p = Parse(R"({"version": "2.0", "mystery": 1,
    "customHandler": {"description": {"defaultExecutablePath": "h", "extra": 1}, "typo": true},
    "extensions": {"http": {"routePrefx": "x"}, "htpp": {}},
    "logging": {"logLevl": {}}})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, Contains(Issue("/mystery", "unknown field \"mystery\" is ignored")));
  EXPECT_THAT(p.warnings, Contains(Issue("/customHandler/description/extra", "unknown field")));
  EXPECT_THAT(p.warnings, Contains(Issue("/customHandler/typo", "unknown field")));
  EXPECT_THAT(p.warnings, Contains(Issue("/extensions/http/routePrefx", "unknown field")));
  EXPECT_THAT(p.warnings, Contains(Issue("/extensions/htpp", "unknown field")));
  EXPECT_THAT(p.warnings, Contains(Issue("/logging/logLevl", "unknown field")));
  EXPECT_THAT(p.warnings, SizeIs(6));
}

TEST(ParseHostJsonTest, UnsupportedAzureFieldsWarn) {
  Parsed p = Parse(R"({"version": "2.0", "functions": ["A"],
    "customHandler": {"description": {"defaultExecutablePath": "node",
                                      "defaultWorkerPath": "index.js"}}})");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, Contains(Issue("/functions", "not supported by squall")));
  EXPECT_THAT(p.warnings, Contains(Issue("/customHandler/description/defaultWorkerPath",
                                         "not supported by squall")));
}

TEST(ParseHostJsonTest, KeysAreCaseInsensitiveAndPointersUseTheFileSpelling) {
  Parsed p = Parse(R"({"Version": "2.0",
    "CustomHandler": {"Description": {"DefaultExecutablePath": "h"}},
    "FunctionTimeout": "bad"})");
  EXPECT_EQ(p.host.custom_handler.default_executable_path, "h");
  EXPECT_THAT(p.errors, ElementsAre(Issue("/FunctionTimeout", "got \"bad\"")));
}

TEST(ParseHostJsonTest, PointersEscapeTildeAndSlash) {
  Parsed p = Parse(Host(R"("a/b~c": 1)"));
  EXPECT_THAT(p.warnings, ElementsAre(Issue("/a~1b~0c", "unknown field \"a/b~c\"")));
}

TEST(ParseHostJsonTest, CollectsAllErrors) {
  Parsed p = Parse(R"({"version": "3.0",
    "customHandler": {"description": {"defaultExecutablePath": 1}},
    "extensions": {"http": {"maxConcurrentRequests": 0, "routePrefix": 7}},
    "functionTimeout": "25:00:00",
    "logging": {"logLevel": {"default": "Loud"}}})");
  EXPECT_THAT(p.errors, SizeIs(6));
}

TEST(ParseHostJsonTest, InvalidJsonReportsLineAndColumn) {
  Parsed p = Parse("{\n  \"version\": \"2.0\",\n  \"customHandler\": tru\n}");
  EXPECT_THAT(p.errors, ElementsAre(Issue("", "invalid JSON at line 3, column 20")));
  p = Parse("{\"version\": \"2.0\"");
  EXPECT_THAT(p.errors, ElementsAre(Issue("", "invalid JSON at line 1, column 18")));
  p = Parse(Host() + " {}");
  EXPECT_THAT(p.errors, ElementsAre(Issue("", "unexpected text after the end of the JSON")));
  p = Parse("  \n ");
  EXPECT_THAT(p.errors, ElementsAre(Issue("", "the file is empty: expected a JSON object")));
  p = Parse("[1, 2]");
  EXPECT_THAT(p.errors, ElementsAre(Issue("",
                                          "expected a JSON object at the top level, got an "
                                          "array")));
}

TEST(ParseHostJsonTest, AcceptsWhatJsonNetAccepts) {
  Parsed p = Parse("\xEF\xBB\xBF// host settings\n" + Host(R"("functionTimeout": "00:01:00",)") +
                   " /* end */\n");
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.host.function_timeout, std::optional<Duration>(std::chrono::minutes(1)));
}

TEST(ConfigIssueTest, ToString) {
  EXPECT_EQ((ConfigIssue{"a/host.json", "/x", "bad"}).ToString(), "a/host.json: /x: bad");
  EXPECT_EQ((ConfigIssue{"a/host.json", "", "bad"}).ToString(), "a/host.json: bad");
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

TEST(ParseHostJsonQueuesTest, DefaultsAreAzures) {
  Parsed p = Parse(Host());
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_EQ(p.host.queues.batch_size, 16);
  EXPECT_EQ(p.host.queues.NewBatchThreshold(2), 16);  // batchSize/2 x cores
  EXPECT_EQ(p.host.queues.max_polling_interval, std::chrono::minutes(1));
  EXPECT_EQ(p.host.queues.visibility_timeout, Duration::zero());
  EXPECT_EQ(p.host.queues.max_dequeue_count, 5);
  EXPECT_TRUE(p.host.queues.base64_encoding);
}

TEST(ParseHostJsonQueuesTest, ReadsEverySetting) {
  Parsed p = Parse(Host(R"("extensions": {"queues": {"batchSize": 32, "newBatchThreshold": 4,
      "maxPollingInterval": "00:00:02", "visibilityTimeout": "00:00:30",
      "maxDequeueCount": 3, "messageEncoding": "none"}})"));
  EXPECT_THAT(p.errors, IsEmpty());
  EXPECT_THAT(p.warnings, IsEmpty());
  EXPECT_EQ(p.host.queues.batch_size, 32);
  EXPECT_EQ(p.host.queues.NewBatchThreshold(8), 4);
  EXPECT_EQ(p.host.queues.max_polling_interval, std::chrono::seconds(2));
  EXPECT_EQ(p.host.queues.visibility_timeout, std::chrono::seconds(30));
  EXPECT_EQ(p.host.queues.max_dequeue_count, 3);
  EXPECT_FALSE(p.host.queues.base64_encoding);
}

TEST(ParseHostJsonQueuesTest, BadValuesNameTheField) {
  Parsed p = Parse(Host(R"("extensions": {"queues": {"batchSize": 33,
      "maxPollingInterval": "00:00:00.05", "visibilityTimeout": "soon",
      "maxDequeueCount": 0, "messageEncoding": "utf8", "bachSize": 1}})"));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/queues/batchSize", "from 1 to 32, got 33")));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/queues/maxPollingInterval", "100 ms")));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/queues/visibilityTimeout", "\"soon\"")));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/queues/maxDequeueCount", "got 0")));
  EXPECT_THAT(p.errors, Contains(Issue("/extensions/queues/messageEncoding", "\"base64\"")));
  EXPECT_THAT(p.errors, SizeIs(5));
  EXPECT_THAT(p.warnings, Contains(Issue("/extensions/queues/bachSize", "unknown field")));
}

}  // namespace
}  // namespace squall
