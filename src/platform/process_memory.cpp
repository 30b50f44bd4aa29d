#include "platform/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>

#include "core/file_text.h"
#include "memory/smaps.h"

namespace squall {


ProcessMemory ReadProcessMemory(const std::vector<ProcStat>& processes) {
  static const long page = sysconf(_SC_PAGESIZE);
  ProcessMemory out;
  out.pss = 0;
  for (const auto& p : processes) {
    ++out.processes;
    // Empty: a kernel thread, or the process is ending.
    const std::string text =
        ReadFileText("/proc/" + std::to_string(p.pid) + "/smaps_rollup").value_or("");
    auto rollup = text.empty() ? StatusOr<SmapsRollup>(NotFound("gone")) : ParseSmapsRollup(text);
    if (rollup.ok()) {
      out.rss += rollup->rss;
      if (out.pss >= 0) out.pss += rollup->pss;
    } else {
      out.rss += p.rss_pages * page;
      out.pss = -1;
    }
  }
  if (out.processes == 0) out.pss = -1;
  return out;
}

HostAndWorkerMemory ReadHostAndWorkerMemory(pid_t root, const std::vector<ProcStat>& all) {
  return ReadHostAndWorkerMemory(ProcessTree(root, all));
}

HostAndWorkerMemory ReadHostAndWorkerMemory(const std::vector<ProcStat>& tree) {
  HostAndWorkerMemory out;
  if (tree.empty()) return out;
  out.found = true;
  out.host = ReadProcessMemory({tree.front()});
  out.worker = ReadProcessMemory({tree.begin() + 1, tree.end()});
  return out;
}

}  // namespace squall
