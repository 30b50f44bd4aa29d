#include "core/process_usage.h"

#include "core/file_text.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace squall {

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  ProcStat st;
  auto pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), st.pid).ec != std::errc())
    return std::nullopt;
  // Fields after ")": 3 state, 4 ppid, ... 14 utime, 15 stime, ... 24 rss (man 5 proc).
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(close + 1);
  std::size_t i = 0;
  while (i < rest.size() && fields.size() < 22) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
    std::size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (i > start) fields.push_back(rest.substr(start, i - start));
  }
  if (fields.size() < 22) return std::nullopt;
  auto number = [](std::string_view f, auto& out) {
    return std::from_chars(f.data(), f.data() + f.size(), out).ec == std::errc();
  };
  std::uint64_t utime = 0, stime = 0;
  // fields[0] is field 3 (state): field n is fields[n - 3].
  if (!number(fields[1], st.ppid) || !number(fields[11], utime) || !number(fields[12], stime) ||
      !number(fields[21], st.rss_pages))
    return std::nullopt;
  st.cpu_ticks = utime + stime;
  return st;
}

std::vector<ProcStat> ProcessTree(pid_t root, const std::vector<ProcStat>& all) {
  std::vector<ProcStat> tree;
  for (const auto& p : all)
    if (p.pid == root) tree.push_back(p);
  if (tree.empty()) return tree;
  // Breadth-first over the ppid links; each process is added once (pids are unique).
  for (std::size_t next = 0; next < tree.size(); ++next) {
    pid_t parent = tree[next].pid;
    for (const auto& p : all)
      if (p.ppid == parent && p.pid != root) tree.push_back(p);
  }
  return tree;
}

std::vector<ProcStat> ScanProcesses() {
  std::vector<ProcStat> all;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto text = ReadFileText(entry.path() / "stat");
    if (!text) continue;  // gone meanwhile
    if (auto st = ParseProcStat(*text)) all.push_back(*st);
  }
  return all;
}

namespace {

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  auto text = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
  return text ? ParseProcStat(*text) : std::nullopt;
}

// The pids in /proc/<pid>/task/<tid>/children of every thread of pid (a child is listed under
// the thread that forked it).
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    auto text = ReadFileText(task.path() / "children");
    if (!text) continue;
    std::string_view rest = *text;
    while (!rest.empty()) {
      auto space = rest.find(' ');
      std::string_view token = rest.substr(0, space);
      pid_t child = 0;
      if (std::from_chars(token.data(), token.data() + token.size(), child).ec == std::errc()) {
        children.push_back(child);
      }
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return children;
}

bool KernelListsChildren() {
  static const bool listed = [] {
    const std::string self = std::to_string(::getpid());
    return ReadFileText("/proc/" + self + "/task/" + self + "/children").has_value();
  }();
  return listed;
}

}  // namespace

std::vector<ProcStat> ReadProcessTree(pid_t root) {
  if (!KernelListsChildren()) return ProcessTree(root, ScanProcesses());
  std::vector<ProcStat> tree;
  auto first = ReadProcStat(root);
  if (!first) return tree;
  tree.push_back(*first);
  for (std::size_t next = 0; next < tree.size(); ++next) {
    for (pid_t child : ChildrenOf(tree[next].pid)) {
      if (auto st = ReadProcStat(child)) tree.push_back(*st);  // else it ended meanwhile
    }
  }
  return tree;
}

ProcessTreeUsage ReadProcessTreeUsage(pid_t root) {
  ProcessTreeUsage usage;
  static const long page = sysconf(_SC_PAGESIZE);
  static const long ticks = sysconf(_SC_CLK_TCK);
  for (const auto& p : ReadProcessTree(root)) {
    usage.pids.push_back(p.pid);
    usage.memory_bytes += p.rss_pages * page;
    usage.cpu_seconds += static_cast<double>(p.cpu_ticks) / static_cast<double>(ticks);
  }
  return usage;
}

}  // namespace squall
