// cgroup file formats, /proc parsing and path resolution on fixture text (no file system).
#include "platform/cgroup.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

TEST(CgroupFormat, MemoryMax) {
  EXPECT_EQ(MemoryMaxText(1536LL << 20), "1610612736");
  EXPECT_EQ(MemoryMaxText(2048LL << 20), "2147483648");
  EXPECT_EQ(MemoryMaxText(0), "max");
  EXPECT_EQ(MemoryMaxText(-1), "max");
  EXPECT_EQ(MemoryLimitInBytesText(1536LL << 20), "1610612736");
  EXPECT_EQ(MemoryLimitInBytesText(0), "-1");
}

TEST(CgroupFormat, CpuMax) {
  EXPECT_EQ(CpuMaxText(1), "100000 100000");
  EXPECT_EQ(CpuMaxText(0.5), "50000 100000");
  EXPECT_EQ(CpuMaxText(4), "400000 100000");
  EXPECT_EQ(CpuMaxText(0), "max 100000");
  EXPECT_EQ(CpuMaxText(2, 50000), "100000 50000");
  // The kernel refuses quotas under 1 ms.
  EXPECT_EQ(CpuMaxText(0.001), "1000 100000");
  EXPECT_EQ(CfsQuotaText(1), "100000");
  EXPECT_EQ(CfsQuotaText(0.5), "50000");
  EXPECT_EQ(CfsQuotaText(4), "400000");
  EXPECT_EQ(CfsQuotaText(0), "-1");
}

TEST(ProcCgroup, V2Only) {
  ProcCgroup pc = ParseProcCgroup("0::/user.slice/user-1000.slice/session-3.scope\n");
  ASSERT_TRUE(pc.unified);
  EXPECT_EQ(*pc.unified, "/user.slice/user-1000.slice/session-3.scope");
  EXPECT_TRUE(pc.v1.empty());
}

TEST(ProcCgroup, V1Hybrid) {
  ProcCgroup pc = ParseProcCgroup(
      "9:name=systemd:/\n"
      "8:pids:/\n"
      "4:memory:/process_api/6e65b671\n"
      "2:cpu,cpuacct:/docker/abc\n"
      "0::/\n");
  EXPECT_EQ(pc.v1.at("memory"), "/process_api/6e65b671");
  EXPECT_EQ(pc.v1.at("cpu"), "/docker/abc");
  EXPECT_EQ(pc.v1.at("cpuacct"), "/docker/abc");
  EXPECT_EQ(pc.v1.at("name=systemd"), "/");
  ASSERT_TRUE(pc.unified);
  EXPECT_EQ(*pc.unified, "/");
}

TEST(ProcCgroup, PathWithColonAndJunk) {
  ProcCgroup pc = ParseProcCgroup("garbage\n0::/a:b\n\n");
  ASSERT_TRUE(pc.unified);
  EXPECT_EQ(*pc.unified, "/a:b");
}

constexpr const char* kHybridMountinfo =
    "23 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(CgroupMounts, ParsesCgroupLinesOnly) {
  auto mounts = ParseCgroupMounts(kHybridMountinfo);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_FALSE(mounts[0].v2);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(mounts[0].root, "/");
  EXPECT_EQ(mounts[0].options, (std::vector<std::string>{"rw", "cpu"}));
  EXPECT_TRUE(mounts[3].v2);
  EXPECT_EQ(mounts[3].mount_point, "/sys/fs/cgroup/unified");
}

TEST(CgroupMounts, OptionalFieldsAndEscapes) {
  auto mounts = ParseCgroupMounts(
      "30 23 0:26 /kubepods/pod1 /sys/fs/my\\040cgroup rw,nosuid shared:4 master:1 - cgroup2 "
      "cgroup2 rw,nsdelegate\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_TRUE(mounts[0].v2);
  EXPECT_EQ(mounts[0].root, "/kubepods/pod1");
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/my cgroup");
}

TEST(CgroupLayout, HybridUsesV1) {
  auto layout = ResolveCgroupLayout(
      ParseCgroupMounts(kHybridMountinfo),
      ParseProcCgroup("4:memory:/process_api/6e65\n2:cpuacct:/\n1:cpu:/\n0::/\n"));
  EXPECT_EQ(layout.version, 1);
  EXPECT_EQ(layout.memory_dir, "/sys/fs/cgroup/memory/process_api/6e65");
  EXPECT_EQ(layout.cpu_dir, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(layout.cpuacct_dir, "/sys/fs/cgroup/cpuacct");
}

TEST(CgroupLayout, V1Comounted) {
  auto layout = ResolveCgroupLayout(
      ParseCgroupMounts("32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                        "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"),
      ParseProcCgroup("4:memory:/docker/x\n2:cpu,cpuacct:/docker/x\n"));
  EXPECT_EQ(layout.version, 1);
  EXPECT_EQ(layout.memory_dir, "/sys/fs/cgroup/memory/docker/x");
  EXPECT_EQ(layout.cpu_dir, "/sys/fs/cgroup/cpu,cpuacct/docker/x");
  EXPECT_EQ(layout.cpuacct_dir, layout.cpu_dir);
}

TEST(CgroupLayout, V1WithoutCpu) {
  auto layout = ResolveCgroupLayout(
      ParseCgroupMounts("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"),
      ParseProcCgroup("4:memory:/\n"));
  EXPECT_EQ(layout.version, 1);
  EXPECT_EQ(layout.memory_dir, "/sys/fs/cgroup/memory");
  EXPECT_TRUE(layout.cpu_dir.empty());
}

TEST(CgroupLayout, V2Unified) {
  auto layout = ResolveCgroupLayout(
      ParseCgroupMounts("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"),
      ParseProcCgroup("0::/user.slice/session-3.scope\n"));
  EXPECT_EQ(layout.version, 2);
  EXPECT_EQ(layout.v2_dir, "/sys/fs/cgroup/user.slice/session-3.scope");
}

TEST(CgroupLayout, V2InNamespaceSeesItsRoot) {
  // A container with a cgroup namespace: the mount's root is its own cgroup, /proc shows "/".
  auto layout = ResolveCgroupLayout(
      ParseCgroupMounts("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"),
      ParseProcCgroup("0::/\n"));
  EXPECT_EQ(layout.v2_dir, "/sys/fs/cgroup");
  // Without a namespace, a bind mount of the container's own cgroup.
  layout = ResolveCgroupLayout(
      ParseCgroupMounts("30 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"),
      ParseProcCgroup("0::/docker/abc/app\n"));
  EXPECT_EQ(layout.v2_dir, "/sys/fs/cgroup/app");
  // Our cgroup outside what is mounted: the mount's top.
  layout = ResolveCgroupLayout(
      ParseCgroupMounts("30 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"),
      ParseProcCgroup("0::/docker/abcdef\n"));
  EXPECT_EQ(layout.v2_dir, "/sys/fs/cgroup");
}

TEST(CgroupLayout, None) {
  auto layout = ResolveCgroupLayout({}, ParseProcCgroup(""));
  EXPECT_EQ(layout.version, 0);
  EXPECT_NE(layout.problem.find("no cgroup file system"), std::string::npos);
}

TEST(CgroupFiles, FlatKeyedAndInts) {
  const char* cpu_stat = "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n";
  EXPECT_EQ(ParseFlatKeyed(cpu_stat, "usage_usec"), 1234567);
  EXPECT_EQ(ParseFlatKeyed(cpu_stat, "user_usec"), 1000000);
  EXPECT_FALSE(ParseFlatKeyed(cpu_stat, "usage"));
  EXPECT_EQ(ParseFlatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill"), 2);
  EXPECT_EQ(ParseSingleInt("3756032\n"), 3756032);
  EXPECT_FALSE(ParseSingleInt("max\n"));
  EXPECT_FALSE(ParseSingleInt(""));
  EXPECT_EQ(ParsePids("27559\n27560\n\n28958\n"), (std::vector<pid_t>{27559, 27560, 28958}));
}

}  // namespace
}  // namespace squall
