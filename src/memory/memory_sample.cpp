#include "memory/memory_sample.h"

#include <limits>

namespace squall {

std::int64_t WorkingSet(const MemorySample& s) {
  std::int64_t total = 0;
  if (__builtin_add_overflow(HostWorkingSet(s), WorkerWorkingSet(s), &total)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return total;
}

std::int64_t HostWorkingSet(const MemorySample& s) { return s.host.rss; }

std::int64_t WorkerWorkingSet(const MemorySample& s) {
  return s.worker.processes > 0 ? s.worker.rss : 0;
}

}  // namespace squall
