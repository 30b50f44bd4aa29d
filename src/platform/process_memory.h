// Memory of an instance's processes from /proc, for the memory sampler: the host process and
// its worker (the host's descendants: the custom handler and whatever it forked), each read
// from /proc/<pid>/smaps_rollup (RSS and PSS).
#pragma once

#include <sys/types.h>

#include <vector>

#include "core/process_usage.h"
#include "memory/memory_sample.h"

namespace squall {

// Sums the smaps_rollup of every process. A process whose rollup cannot be read (it ended, an
// old kernel) counts with its RSS from stat, and then the sum's PSS is unknown (-1).
ProcessMemory ReadProcessMemory(const std::vector<ProcStat>& processes);

struct HostAndWorkerMemory {
  ProcessMemory host;
  ProcessMemory worker;  // processes == 0: the host has no worker right now
  bool found = false;    // false: the host is not among `all`
};
// host = root; worker = every descendant of root.
HostAndWorkerMemory ReadHostAndWorkerMemory(pid_t root, const std::vector<ProcStat>& all);
// The same for a tree already read, root first (ReadProcessTree).
HostAndWorkerMemory ReadHostAndWorkerMemory(const std::vector<ProcStat>& tree);

}  // namespace squall
