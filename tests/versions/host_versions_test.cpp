// HostVersions on a temporary root, with small shell scripts standing in for squall builds.
#include "versions/host_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace squall {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class HostVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "squall-versions-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A script that answers --version like squall (or prints `output`).
  fs::path Build(const std::string& name, const std::string& output) {
    fs::path p = dir_ / "builds" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "#!/bin/sh\necho '" << output << "'\n";
    fs::permissions(p, fs::perms(0755));
    return p;
  }
  HostVersions Versions() {
    HostVersion running;
    running.name = "0.1.0";
    running.executable = "/proc/self/exe";
    return HostVersions(dir_ / "versions", running);
  }
  WallTime Now() { return WallTime{} + std::chrono::hours(24 * 365 * 55); }

  fs::path dir_;
};

TEST_F(HostVersionsTest, ParsesWhatSquallVersionPrints) {
  EXPECT_EQ(ParseVersionOutput("squall 0.1.0\n"), "0.1.0");
  EXPECT_EQ(ParseVersionOutput("squall 2.0.0-rc.1\nmore"), "2.0.0-rc.1");
  EXPECT_EQ(ParseVersionOutput("nginx 1.2\n"), "");
  EXPECT_EQ(ParseVersionOutput("squall bad/name\n"), "");
  EXPECT_EQ(ParseVersionOutput(""), "");
}

TEST_F(HostVersionsTest, OnlyTheRunningBuildUntilOthersAreInstalled) {
  auto all = Versions().List();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "0.1.0");
  EXPECT_TRUE(all[0].builtin);
  auto newest = Versions().Resolve("");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->name, "0.1.0");
}

TEST_F(HostVersionsTest, InstallsUnderTheReportedVersionOrAnotherName) {
  auto v = Versions().Install(Build("a", "squall 1.2.0"), "", Now());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->name, "1.2.0");
  EXPECT_EQ(v->reported, "1.2.0");
  EXPECT_TRUE(fs::exists(dir_ / "versions" / "1.2.0" / "squall"));
  auto as = Versions().Install(Build("b", "squall 1.2.0"), "2.0.0-test", Now());
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ(as->name, "2.0.0-test");
  EXPECT_EQ(as->reported, "1.2.0");

  auto all = Versions().List();
  ASSERT_EQ(all.size(), 3u);  // newest first
  EXPECT_EQ(all[0].name, "2.0.0-test");
  EXPECT_EQ(all[1].name, "1.2.0");
  EXPECT_EQ(all[1].installed_at, FormatIso8601(Now()));
  EXPECT_THAT(all[1].source, HasSubstr("builds/a"));
  EXPECT_EQ(all[2].name, "0.1.0");
  EXPECT_EQ(Versions().Resolve("")->name, "2.0.0-test");
  EXPECT_EQ(Versions().Resolve("1.2.0")->executable, dir_ / "versions" / "1.2.0" / "squall");
  EXPECT_EQ(Versions().Resolve("0.1.0")->executable, "/proc/self/exe");
}

TEST_F(HostVersionsTest, APinThatIsNotInstalledNamesWhatIs) {
  ASSERT_TRUE(Versions().Install(Build("a", "squall 1.2.0"), "", Now()).ok());
  auto r = Versions().Resolve("3.0.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("host version 3.0.0 is not installed (installed: "
                                              "1.2.0, 0.1.0"));
}

TEST_F(HostVersionsTest, SameBytesAgainIsANoOpOtherBytesAreRefused) {
  fs::path a = Build("a", "squall 1.2.0");
  ASSERT_TRUE(Versions().Install(a, "", Now()).ok());
  EXPECT_TRUE(Versions().Install(a, "", Now()).ok());
  auto other = Versions().Install(Build("b", "squall 1.2.0 "), "1.2.0", Now());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(other.status().message(), HasSubstr("--as NAME"));
}

TEST_F(HostVersionsTest, NotASquallBuildIsRefused) {
  auto r = Versions().Install(Build("x", "Python 3.11"), "", Now());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("not a squall build"));
  EXPECT_FALSE(Versions().Install(dir_ / "nope", "", Now()).ok());
  auto bad_name = Versions().Install(Build("y", "squall 1.0.0"), "../evil", Now());
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Versions().List().size(), 1u);  // nothing half-installed is listed
}

}  // namespace
}  // namespace squall
