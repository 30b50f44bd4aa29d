#include "platform/app_content_hash.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace squall {
namespace {

namespace fs = std::filesystem;

class AppContentHashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "squall-hash-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Write("host.json", R"({"version": "2.0"})");
    Write("hello/function.json", R"({"bindings": []})");
    Write("handler.py", "print('hi')\n");
    Write("local.settings.json", R"({"Values": {}})");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  std::string Hash(std::uintmax_t budget = std::uintmax_t{64} << 20) {
    auto h = AppContentHash(dir_, budget);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : "";
  }
  fs::path dir_;
};

TEST_F(AppContentHashTest, TwelveHexDigitsStableForTheSameFiles) {
  std::string h = Hash();
  EXPECT_EQ(h.size(), 12u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Hash(), h);
}

TEST_F(AppContentHashTest, FunctionJsonHostJsonAndWorkerFilesCount) {
  std::string h = Hash();
  Write("hello/function.json", R"({"bindings": [ ]})");
  std::string h2 = Hash();
  EXPECT_NE(h2, h);
  Write("handler.py", "print('hello')\n");
  std::string h3 = Hash();
  EXPECT_NE(h3, h2);
  fs::rename(dir_ / "handler.py", dir_ / "worker.py");  // same bytes, another name
  EXPECT_NE(Hash(), h3);
}

TEST_F(AppContentHashTest, SettingsStateAndCachesDoNotCount) {
  std::string h = Hash();
  Write("local.settings.json", R"({"Values": {"SQUALL_HOST_VERSION": "1.0.0"}})");
  Write(".squall/storage.db", "state");
  Write(".git/HEAD", "ref");
  Write("__pycache__/handler.cpython-311.pyc", "bytecode");
  Write("lib/mod.pyc", "bytecode");
  EXPECT_EQ(Hash(), h);
}

TEST_F(AppContentHashTest, BeyondTheBudgetFilesCountBySizeAndTime) {
  std::string h = Hash(0);
  Write("handler.py", "print('HI')\n");  // same size; the time may or may not differ
  fs::last_write_time(dir_ / "handler.py", fs::file_time_type{} + std::chrono::hours(1));
  EXPECT_NE(Hash(0), h);
}

TEST_F(AppContentHashTest, AMissingFolderIsAnError) {
  EXPECT_FALSE(AppContentHash(dir_ / "nope").ok());
}

}  // namespace
}  // namespace squall
