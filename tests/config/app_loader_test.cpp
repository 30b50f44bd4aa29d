#include <unistd.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/app_config.h"

namespace squall {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr const char* kHost = R"({
  "version": "2.0",
  "customHandler": {"description": {"defaultExecutablePath": "handler"},
                    "enableForwardingHttpRequest": true}
})";
constexpr const char* kHttpFunction = R"({"bindings": [
  {"authLevel": "anonymous", "type": "httpTrigger", "direction": "in", "name": "req",
   "methods": ["get"]},
  {"type": "http", "direction": "out", "name": "res"}]})";
constexpr const char* kQueueFunction = R"({"bindings": [
  {"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "q",
   "connection": "AzureWebJobsStorage"}]})";

auto Issue(const fs::path& file, const std::string& pointer, const std::string& text) {
  return AllOf(Field(&ConfigIssue::file, file.string()), Field(&ConfigIssue::pointer, pointer),
               Field(&ConfigIssue::message, HasSubstr(text)));
}

// A fresh app folder under the system temp dir, removed afterwards.
class LoadAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    // Unique per process and per test: the pid and a counter (no clock in unit tests).
    dir_ = fs::temp_directory_path() / ("squall-config-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Write(const std::string& relative, const std::string& text) {
    const fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  fs::path Path(const std::string& relative) const { return dir_ / relative; }

  fs::path dir_;
};

TEST_F(LoadAppTest, LoadsATypicalApp) {
  Write("host.json", kHost);
  Write("HttpExample/function.json", kHttpFunction);
  Write("QueueWorker/function.json", kQueueFunction);
  Write("local.settings.json", R"({"IsEncrypted": false,
      "Values": {"FUNCTIONS_WORKER_RUNTIME": "custom"}, "Host": {"LocalHttpPort": 7072}})");
  Write("handler", "#!/bin/sh\n");

  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
  ASSERT_TRUE(r.app.has_value());
  const AppConfig& app = *r.app;
  EXPECT_TRUE(app.root.is_absolute());
  EXPECT_TRUE(fs::equivalent(app.root, dir_));
  EXPECT_EQ(app.host.custom_handler.default_executable_path, "handler");
  EXPECT_TRUE(app.host.custom_handler.enable_forwarding_http_request);
  ASSERT_THAT(app.functions, SizeIs(2));
  EXPECT_EQ(app.functions[0].name, "HttpExample");
  EXPECT_EQ(app.functions[0].dir, app.root / "HttpExample");
  EXPECT_EQ(app.functions[0].trigger_kind(), TriggerKind::kHttp);
  EXPECT_TRUE(app.functions[0].IsHttpOnly());
  EXPECT_EQ(app.functions[1].name, "QueueWorker");
  EXPECT_EQ(app.functions[1].trigger_kind(), TriggerKind::kQueue);
  EXPECT_THAT(app.settings.values, ElementsAre(Pair("FUNCTIONS_WORKER_RUNTIME", "custom")));
  EXPECT_EQ(app.settings.local_http_port, 7072);
}

TEST_F(LoadAppTest, FunctionsSortedAndOtherFoldersIgnored) {
  Write("host.json", kHost);
  Write("zeta/function.json", kHttpFunction);
  Write("Alpha/function.json", kHttpFunction);
  Write("mid/function.json", kQueueFunction);
  Write("bin/handler", "x");                   // no function.json: not a function
  Write(".squall/function.json", "not json");  // dot folder: ignored
  Write(".vscode/settings.json", "{}");
  Write("function.json", "{}");  // a file at the top, not a folder

  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_TRUE(r.app.has_value());
  std::vector<std::string> names;
  for (const FunctionConfig& fn : r.app->functions) names.push_back(fn.name);
  EXPECT_THAT(names, ElementsAre("Alpha", "mid", "zeta"));
}

constexpr const char* kWarmupFunction = R"({"bindings": [
  {"type": "warmupTrigger", "direction": "in", "name": "warmupContext"}]})";

TEST_F(LoadAppTest, WarmupTrigger) {
  Write("host.json", kHost);
  Write("Warmup/function.json", kWarmupFunction);
  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());  // the name is matched ignoring case, as Azure does
  ASSERT_TRUE(r.app.has_value());
  EXPECT_EQ(r.app->functions[0].trigger_kind(), TriggerKind::kWarmup);
}

TEST_F(LoadAppTest, WarmupTriggerNamedOtherwiseIsAWarning) {
  Write("host.json", kHost);
  Write("prepare/function.json", kWarmupFunction);
  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, ElementsAre(Issue(Path("prepare/function.json"), "/bindings/0/type",
                                            "should be named \"warmup\"")));
}

TEST_F(LoadAppTest, TwoWarmupTriggersAreAnError) {
  Write("host.json", kHost);
  Write("warmup/function.json", kWarmupFunction);
  Write("zwarm/function.json", kWarmupFunction);
  LoadResult r = LoadApp(dir_);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, Contains(Issue(Path("zwarm/function.json"), "/bindings/0/type",
                                       "a second warmupTrigger function")));
}

TEST_F(LoadAppTest, LocalSettingsOptional) {
  Write("host.json", kHost);
  Write("F/function.json", kHttpFunction);
  LoadResult r = LoadApp(dir_);
  ASSERT_TRUE(r.app.has_value());
  EXPECT_THAT(r.app->settings.values, IsEmpty());
  EXPECT_EQ(r.app->settings.local_http_port, std::nullopt);
}

TEST_F(LoadAppTest, MissingAppFolder) {
  const fs::path missing = dir_ / "nope";
  LoadResult r = LoadApp(missing);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, ElementsAre(Issue(missing, "", "the app folder does not exist")));
}

TEST_F(LoadAppTest, AppFolderIsAFile) {
  Write("file", "x");
  LoadResult r = LoadApp(Path("file"));
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, ElementsAre(Issue(Path("file"), "", "not a directory")));
}

TEST_F(LoadAppTest, MissingHostJson) {
  Write("F/function.json", kHttpFunction);
  LoadResult r = LoadApp(dir_);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, ElementsAre(Issue(dir_ / "host.json", "", "file not found")));
}

TEST_F(LoadAppTest, CollectsErrorsFromEveryFile) {
  Write("host.json", R"({"version": "2.0", "customHandler": {"description": {}},
                         "functionTimeout": "soon"})");
  Write("A/function.json", R"({"bindings": [{"type": "httpTrigger", "direction": "in",
                                             "name": "req", "authLevel": "sometimes"}]})");
  Write("B/function.json", "{\"bindings\": [\n  oops]}");
  Write("C/function.json", kHttpFunction);
  Write("local.settings.json", R"({"IsEncrypted": true, "Values": {"PORT": 80}})");

  LoadResult r = LoadApp(dir_);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          Issue(dir_ / "host.json", "/customHandler/description/defaultExecutablePath",
                "missing required field"),
          Issue(dir_ / "host.json", "/functionTimeout", "got \"soon\""),
          Issue(dir_ / "A" / "function.json", "/bindings/0/authLevel",
                "expected one of \"anonymous\", \"function\", \"admin\", got \"sometimes\""),
          Issue(dir_ / "B" / "function.json", "", "invalid JSON at line 2, column 3"),
          Issue(dir_ / "local.settings.json", "/IsEncrypted", "not supported"),
          Issue(dir_ / "local.settings.json", "/Values/PORT", "expected a string")));
  EXPECT_EQ(r.errors[2].ToString(),
            (dir_ / "A" / "function.json").string() +
                ": /bindings/0/authLevel: expected one of \"anonymous\", \"function\", "
                "\"admin\", got \"sometimes\"");
}

TEST_F(LoadAppTest, WarningsDoNotStopTheApp) {
  Write("host.json", R"({"version": "2.0", "customHandler": {"description":
      {"defaultExecutablePath": "h"}}, "unknownThing": 1})");
  Write("F/function.json", R"({"bindings": [{"type": "httpTrigger", "direction": "in",
                                             "name": "req"}], "extraKey": true})");
  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.app.has_value());
  EXPECT_THAT(r.warnings,
              ElementsAre(Issue(dir_ / "host.json", "/unknownThing", "unknown field"),
                          Issue(dir_ / "F" / "function.json", "/extraKey", "unknown field")));
}

TEST_F(LoadAppTest, NoFunctionsIsAWarning) {
  Write("host.json", kHost);
  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_TRUE(r.app.has_value());
  EXPECT_THAT(r.app->functions, IsEmpty());
  EXPECT_THAT(r.warnings, ElementsAre(Issue(dir_, "", "no functions found")));
}

TEST_F(LoadAppTest, InvalidFunctionFolderName) {
  Write("host.json", kHost);
  Write("my func/function.json", kHttpFunction);
  LoadResult r = LoadApp(dir_);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, ElementsAre(Issue(dir_ / "my func" / "function.json", "",
                                          "invalid function name \"my func\"")));
}

TEST_F(LoadAppTest, FunctionNamesDifferingOnlyInCase) {
  Write("host.json", kHost);
  Write("Hello/function.json", kHttpFunction);
  Write("hello/function.json", kHttpFunction);
  LoadResult r = LoadApp(dir_);
  // On a case-insensitive file system there is only one folder.
  if (r.app.has_value() && r.app->functions.size() == 1) GTEST_SKIP();
  EXPECT_THAT(r.errors, ElementsAre(Issue(dir_ / "hello" / "function.json", "",
                                          "differs only in case from \"Hello\"")));
}

TEST_F(LoadAppTest, RelativePathAndTrailingSlash) {
  Write("app/host.json", kHost);
  Write("app/F/function.json", kHttpFunction);
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_);
  LoadResult r = LoadApp("app/");
  fs::current_path(old_cwd);
  ASSERT_TRUE(r.app.has_value()) << (r.errors.empty() ? "" : r.errors[0].ToString());
  EXPECT_TRUE(r.app->root.is_absolute());
  EXPECT_EQ(r.app->root.filename(), "app");
  EXPECT_TRUE(fs::equivalent(r.app->root, dir_ / "app"));
  EXPECT_EQ(r.app->functions[0].dir, r.app->root / "F");
}

TEST_F(LoadAppTest, ErrorsNameThePathAsGiven) {
  Write("app/host.json", "{");
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_);
  LoadResult r = LoadApp("app");
  fs::current_path(old_cwd);
  EXPECT_THAT(r.errors, Contains(Issue(fs::path("app") / "host.json", "", "invalid JSON")));
}

TEST_F(LoadAppTest, HostJsonIsAFolder) {
  fs::create_directories(Path("host.json"));
  LoadResult r = LoadApp(dir_);
  EXPECT_FALSE(r.app.has_value());
  EXPECT_THAT(r.errors, Contains(Issue(dir_ / "host.json", "", "file not found")));
}

TEST_F(LoadAppTest, LocalSettingsIsAFolder) {
  Write("host.json", kHost);
  Write("F/function.json", kHttpFunction);
  fs::create_directories(Path("local.settings.json"));
  LoadResult r = LoadApp(dir_);
  EXPECT_THAT(r.errors,
              ElementsAre(Issue(dir_ / "local.settings.json", "", "expected a regular file")));
}

TEST_F(LoadAppTest, UnreadableFunctionFolderDoesNotThrow) {
  Write("host.json", kHost);
  Write("F/function.json", kHttpFunction);
  fs::permissions(Path("F/function.json"), fs::perms::none);
  LoadResult r;
  EXPECT_NO_THROW(r = LoadApp(dir_));
  // Root can read anything; otherwise the unreadable file is an error naming it.
  if (!r.errors.empty()) {
    EXPECT_THAT(r.errors, ElementsAre(Issue(dir_ / "F" / "function.json", "", "cannot open")));
  }
  fs::permissions(Path("F/function.json"), fs::perms::owner_all);
}

}  // namespace
}  // namespace squall
