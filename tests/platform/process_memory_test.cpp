// process_memory reads the real /proc: this test process and a child it forks.
#include "platform/process_memory.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace squall {
namespace {

TEST(ProcessMemoryTest, ThisProcessHasRssAndPssFromItsRollup) {
  std::vector<ProcStat> all = ScanProcesses();
  HostAndWorkerMemory m = ReadHostAndWorkerMemory(::getpid(), all);
  ASSERT_TRUE(m.found);
  EXPECT_EQ(m.host.processes, 1);
  EXPECT_GT(m.host.rss, 1 << 20);
  EXPECT_GT(m.host.pss, 0);
  EXPECT_LE(m.host.pss, m.host.rss);
}

TEST(ProcessMemoryTest, DescendantsAreTheWorker) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    char c = 'x';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);  // the child runs
  ::close(ready[0]);
  HostAndWorkerMemory m = ReadHostAndWorkerMemory(::getpid(), ScanProcesses());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(m.found);
  EXPECT_EQ(m.worker.processes, 1);
  EXPECT_GT(m.worker.rss, 0);
  EXPECT_GE(m.worker.pss, 0);
}

TEST(ProcessMemoryTest, AProcessThatIsGoneIsNotFound) {
  HostAndWorkerMemory m = ReadHostAndWorkerMemory(0, ScanProcesses());
  EXPECT_FALSE(m.found);
  EXPECT_EQ(ReadProcessMemory({}).pss, -1);
}

TEST(ProcessMemoryTest, AnUnreadableRollupFallsBackToRssAndUnknownPss) {
  ProcStat gone;
  gone.pid = 0x7ffffff0;  // no such process
  gone.rss_pages = 10;
  ProcessMemory m = ReadProcessMemory({gone});
  EXPECT_EQ(m.processes, 1);
  EXPECT_EQ(m.rss, 10 * ::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(m.pss, -1);
}

}  // namespace
}  // namespace squall
