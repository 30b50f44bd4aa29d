// /proc/<pid>/stat parsing and the process tree (host, worker, the worker's children).
#include "core/process_usage.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

TEST(ProcStat, Parses) {
  auto st = ParseProcStat(
      "1862 (python3) S 1850 1862 1850 0 -1 4194560 1620 0 0 0 12 3 0 0 20 0 1 0 2371 "
      "17829888 2650 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 1862);
  EXPECT_EQ(st->ppid, 1850);
  EXPECT_EQ(st->cpu_ticks, 15u);
  EXPECT_EQ(st->rss_pages, 2650);
}

TEST(ProcStat, CommandWithSpacesAndParens) {
  auto st = ParseProcStat(
      "42 (my (odd) cmd) R 7 42 7 0 -1 0 0 0 0 0 100 50 0 0 20 0 1 0 1 1000 9 0\n");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 42);
  EXPECT_EQ(st->ppid, 7);
  EXPECT_EQ(st->cpu_ticks, 150u);
  EXPECT_EQ(st->rss_pages, 9);
}

TEST(ProcStat, RejectsTruncated) {
  EXPECT_FALSE(ParseProcStat("42 (x) R 7 42"));
  EXPECT_FALSE(ParseProcStat("garbage"));
  EXPECT_FALSE(ParseProcStat(""));
}

TEST(ProcessTree, HostWorkerAndGrandchildren) {
  std::vector<ProcStat> all = {
      {1, 0, 0, 0}, {100, 1, 5, 10},   // platform
      {200, 100, 7, 20},               // host (instance)
      {300, 200, 11, 30},              // its worker (own process group)
      {301, 300, 1, 4},                // a child of the worker
      {400, 100, 50, 50},              // another instance: not ours
  };
  auto tree = ProcessTree(200, all);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree[0].pid, 200);
  EXPECT_EQ(tree[1].pid, 300);
  EXPECT_EQ(tree[2].pid, 301);
  EXPECT_TRUE(ProcessTree(999, all).empty());
}

}  // namespace
}  // namespace squall
