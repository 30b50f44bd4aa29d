// /proc/<pid>/stat parsing and the process tree (host, worker, the worker's children).
#include "core/process_usage.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

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

// The real /proc: a child that forks a grandchild (the worker and its child), read from the
// kernel's children lists, agrees with the full scan. Synchronised by a pipe, not by sleeping.
TEST(ReadProcessTree, FindsChildrenAndGrandchildrenLikeTheFullScan) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      pause();
      _exit(0);
    }
    (void)!write(ready[1], &grandchild, sizeof grandchild);
    pause();
    _exit(0);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  close(ready[0]);
  close(ready[1]);

  auto pids = [](const std::vector<ProcStat>& tree) {
    std::vector<pid_t> out;
    for (const auto& p : tree) out.push_back(p.pid);
    return out;
  };
  std::vector<pid_t> direct = pids(ReadProcessTree(getpid()));
  std::vector<pid_t> scanned = pids(ProcessTree(getpid(), ScanProcesses()));
  kill(grandchild, SIGKILL);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  ASSERT_FALSE(direct.empty());
  EXPECT_EQ(direct.front(), getpid());
  EXPECT_NE(std::find(direct.begin(), direct.end(), child), direct.end());
  EXPECT_NE(std::find(direct.begin(), direct.end(), grandchild), direct.end());
  std::sort(direct.begin(), direct.end());
  std::sort(scanned.begin(), scanned.end());
  EXPECT_EQ(direct, scanned);
  EXPECT_TRUE(ReadProcessTree(-1).empty());
}

}  // namespace
}  // namespace squall
