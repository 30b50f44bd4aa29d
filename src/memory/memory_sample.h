// One memory sample of one instance: its host process and its worker processes measured
// separately, tagged with what the instance ran (host version, app content hash).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace squall {

// One process (the host) or several summed (the worker and its children), in bytes. pss < 0:
// unknown (smaps_rollup unreadable: an old kernel, or the process ended mid-sample).
struct ProcessMemory {
  std::int64_t rss = 0;
  std::int64_t pss = -1;
  int processes = 0;  // how many processes were summed (0: none found)
};

// What instances ran: samples of the same key belong to one baseline.
struct VersionKey {
  std::string host_version;
  std::string content_hash;

  friend bool operator==(const VersionKey&, const VersionKey&) = default;
  friend auto operator<=>(const VersionKey&, const VersionKey&) = default;
};

struct MemorySample {
  WallTime at{};
  std::string instance;
  VersionKey key;
  ProcessMemory host;
  ProcessMemory worker;
  std::int64_t cgroup_bytes = -1;  // the instance's cgroup charge; -1 without a cgroup
  Duration instance_age{};         // since the instance started
  bool steady = false;             // taken after the warm-up (instance_age >= warm-up)
};

// The working set the baselines compare: host RSS + worker RSS (resident set: every page the
// processes have in memory). Not PSS, although it is sampled too: a process's PSS falls when
// another process maps the same pages (a second instance of the same build, or the platform
// itself for instances of its own binary), so PSS baselines would move with the instance count
// and with which binary the platform runs, not with what the instance uses.
std::int64_t WorkingSet(const MemorySample& s);
std::int64_t HostWorkingSet(const MemorySample& s);
std::int64_t WorkerWorkingSet(const MemorySample& s);

// How many samples are kept (in storage, and in the platform's memory). A baseline is a median:
// a few hundred steady samples make it; more only cost memory and time. Per key the newest
// 2000 (5.5 h of one instance at one sample per 10 s, or 33 min of ten), so a version that ran
// long ago keeps its baseline while a new one runs; in total 20 000 (ten keys' worth, ~4 MB in
// the platform); nothing older than 30 days.
struct MemoryRetention {
  Duration max_age = std::chrono::hours(24 * 30);
  std::int64_t max_per_key = 2000;
  std::int64_t max_total = 20000;
};

}  // namespace squall
