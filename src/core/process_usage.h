// Memory and CPU of a process tree from /proc: what an instance uses when it has no cgroup to
// ask. The tree is the host and every descendant (the worker runs in its own process group, so
// a process-group walk would miss it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace squall {

// The fields of /proc/<pid>/stat that matter here.
struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
  std::int64_t rss_pages = 0;
};

// Parses one /proc/<pid>/stat line (the command name may hold spaces and parentheses).
std::optional<ProcStat> ParseProcStat(std::string_view text);

// root and its descendants (by ppid), root first; empty when root is not among them.
std::vector<ProcStat> ProcessTree(pid_t root, const std::vector<ProcStat>& all);

struct ProcessTreeUsage {
  std::int64_t memory_bytes = 0;  // sum of resident set sizes
  double cpu_seconds = 0;         // sum of user + system time of the live processes
  std::vector<pid_t> pids;        // root first; empty when root is gone
};

// Every process /proc lists now (one read of each /proc/<pid>/stat).
std::vector<ProcStat> ScanProcesses();

// Reads /proc for root's tree.
ProcessTreeUsage ReadProcessTreeUsage(pid_t root);

}  // namespace squall
