#include "platform/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>

#include "memory/smaps.h"

namespace squall {

namespace {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) out.clear();
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

ProcessMemory ReadProcessMemory(const std::vector<ProcStat>& processes) {
  static const long page = sysconf(_SC_PAGESIZE);
  ProcessMemory out;
  out.pss = 0;
  for (const auto& p : processes) {
    ++out.processes;
    auto text = ReadSmallFile("/proc/" + std::to_string(p.pid) + "/smaps_rollup");
    auto rollup = text ? ParseSmapsRollup(*text) : StatusOr<SmapsRollup>(NotFound("gone"));
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
  HostAndWorkerMemory out;
  std::vector<ProcStat> tree = ProcessTree(root, all);
  if (tree.empty()) return out;
  out.found = true;
  out.host = ReadProcessMemory({tree.front()});
  out.worker = ReadProcessMemory({tree.begin() + 1, tree.end()});
  return out;
}

std::vector<ProcStat> ScanProcesses() {
  std::vector<ProcStat> all;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto text = ReadSmallFile("/proc/" + name + "/stat");
    if (!text) continue;  // gone meanwhile
    if (auto st = ParseProcStat(*text)) all.push_back(*st);
  }
  return all;
}

}  // namespace squall
