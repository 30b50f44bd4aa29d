// Resource groups for local instances: one cgroup per instance, with the plan's memory and CPU
// limit, holding the host and (inherited when the host forks it) the worker. cgroup v2 where the
// controllers are on the unified hierarchy, v1 (memory, cpu, cpuacct) where they are not. When
// the machine allows neither (no cgroup fs, no permission, controllers not delegated), instances
// run without limits and status() says why, once.
//
// Layout: <this process's cgroup>/<name>/<instance id>, name = "squall-<platform pid>". The pure
// helpers (file formats, /proc parsing, path resolution) are separate from the I/O so they are
// unit-tested on fixture text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "platform/instance_manager.h"

namespace squall {

// ---- pure helpers -------------------------------------------------------------------------

inline constexpr std::int64_t kCpuPeriodUs = 100000;  // the kernel's default CFS period

// CPU quota per period for `cores` (0.5 → half the period); at least the kernel's minimum of
// 1000 µs; -1 when cores <= 0 (no limit).
std::int64_t CpuQuotaUs(double cores, std::int64_t period_us = kCpuPeriodUs);
// v2 memory.max: bytes, or "max" (no limit) when bytes <= 0.
std::string MemoryMaxText(std::int64_t bytes);
// v2 cpu.max: "<quota> <period>" in µs, "max <period>" when cores <= 0.
std::string CpuMaxText(double cores, std::int64_t period_us = kCpuPeriodUs);
// v1 memory.limit_in_bytes: bytes, or "-1" when bytes <= 0.
std::string MemoryLimitInBytesText(std::int64_t bytes);
// v1 cpu.cfs_quota_us: quota in µs, or "-1" when cores <= 0.
std::string CfsQuotaText(double cores, std::int64_t period_us = kCpuPeriodUs);

// /proc/self/cgroup: "0::/path" (v2) and "<n>:<controllers>:/path" (v1).
struct ProcCgroup {
  std::optional<std::string> unified;         // the v2 path, when there is a "0::" line
  std::map<std::string, std::string> v1;      // controller ("memory", "name=systemd") -> path
};
ProcCgroup ParseProcCgroup(std::string_view text);

// A cgroup or cgroup2 line of /proc/self/mountinfo.
struct CgroupMount {
  bool v2 = false;
  std::string root;         // the hierarchy path mounted there ("/" unless a namespace hides it)
  std::filesystem::path mount_point;
  std::vector<std::string> options;  // super options: v1 controller names are among them
};
std::vector<CgroupMount> ParseCgroupMounts(std::string_view mountinfo);

// Where this process's cgroups are in the file system.
struct CgroupLayout {
  int version = 0;                    // 2, 1, or 0 = none usable (problem says why)
  std::filesystem::path v2_dir;       // version 2
  std::filesystem::path memory_dir;   // version 1, each empty when that controller is not mounted
  std::filesystem::path cpu_dir;
  std::filesystem::path cpuacct_dir;
  std::string problem;
};
// v1 when the memory controller is on a v1 hierarchy (it can only be on one: in "hybrid" mode
// the unified hierarchy has none), else v2 when cgroup2 is mounted, else none.
CgroupLayout ResolveCgroupLayout(const std::vector<CgroupMount>& mounts, const ProcCgroup& self);

// "key value" lines (cpu.stat, memory.events, memory.oom_control): the value of key.
std::optional<std::int64_t> ParseFlatKeyed(std::string_view text, std::string_view key);
// A file holding one integer ("123\n").
std::optional<std::int64_t> ParseSingleInt(std::string_view text);
// cgroup.procs: one pid a line.
std::vector<pid_t> ParsePids(std::string_view text);

// ---- the file system ----------------------------------------------------------------------

// One instance's group: a directory per hierarchy (one for v2).
class InstanceCgroup {
 public:
  // Moves pid (and so every process it forks afterwards) into the group.
  Status AddProcess(pid_t pid) const;
  // cgroup v1 only: moves the calling thread alone (the `tasks` files), so that every process it
  // forks from then on is born in the group and never has to be moved (moving one waits for an
  // RCU grace period: 8-25 ms here). v2 keeps a thread in its process's group:
  // kFailedPrecondition there.
  Status AddCallingThread() const;
  // (Re)writes the limits in every hierarchy ("no limit" too, so a reused group keeps no old one).
  Status SetLimits(const ResourceLimits& limits);
  // Renames the group's directories to `name` under the same parents (v1 allows it on a group in
  // use). All or nothing.
  Status Rename(const std::string& name);
  // The processes in the group, this process excepted: a spawner thread of the platform's
  // (AddCallingThread) is briefly in the group of the instance it has just forked.
  std::vector<pid_t> Processes() const;
  std::optional<std::int64_t> MemoryBytes() const;
  std::optional<double> CpuSeconds() const;
  // How many times the kernel's OOM killer ended a process of the group (memory limit reached).
  std::int64_t OomKills() const;
  const ResourceLimits& limits() const { return limits_; }
  // SIGKILL to every process in the group.
  void KillAll() const;
  // Removes the directories; false while processes remain (try again after they are gone).
  bool Remove() const;

 private:
  friend class PlatformCgroups;
  int version_ = 0;
  bool memory_ = false, cpu_ = false;  // which limits this group carries
  std::filesystem::path memory_dir_, cpu_dir_, cpuacct_dir_;  // v2: all three the same
  std::vector<std::filesystem::path> dirs_;                   // distinct ones
  ResourceLimits limits_;
};

class PlatformCgroups {
 public:
  // Finds this process's cgroups and prepares <own cgroup>/<name> (removing leftovers of dead
  // platforms first). Never fails: status() says what is unavailable.
  static std::unique_ptr<PlatformCgroups> Open(const std::string& name);
  ~PlatformCgroups();  // removes <name> where it is empty

  // ok: instances get memory and CPU limits. Otherwise the message to log once at start:
  // "cgroups unavailable (...): instances run without memory/CPU limits" (or a partial one).
  const Status& status() const { return status_; }
  bool memory_limits() const { return memory_; }
  bool cpu_limits() const { return cpu_; }
  // "cgroup v1: /sys/fs/cgroup/memory/.../squall-42 (memory), ..." for the start-up log.
  std::string Describe() const;

  // Creates (or reuses) the instance's group and writes its limits. Only when any limit is
  // available (memory_limits() || cpu_limits()).
  StatusOr<InstanceCgroup> Create(const std::string& id, const ResourceLimits& limits) const;

  // Whether a thread can join a group on its own (v1 with a limit available), so that processes
  // can be forked straight into their group (InstanceCgroup::AddCallingThread).
  bool threads_can_join() const { return version_ == 1 && (memory_ || cpu_); }
  // Moves the calling thread back into this process's own groups (v1), out of any instance's.
  Status ReturnCallingThread() const;

 private:
  PlatformCgroups() = default;
  void OpenV1(const CgroupLayout& layout, const std::string& name);
  void OpenV2(const CgroupLayout& layout, const std::string& name);

  int version_ = 0;
  bool memory_ = false, cpu_ = false;
  std::filesystem::path memory_base_, cpu_base_, cpuacct_base_;  // <own>/<name> per hierarchy
  std::vector<std::filesystem::path> created_;                   // removed when empty, last first
  Status status_;
};

}  // namespace squall
