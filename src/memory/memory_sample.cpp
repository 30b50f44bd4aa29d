#include "memory/memory_sample.h"

#include <limits>

namespace squall {

namespace {
std::int64_t Best(const ProcessMemory& p, bool use_pss) { return use_pss ? p.pss : p.rss; }
bool PssKnown(const MemorySample& s) {
  return s.host.pss >= 0 && (s.worker.processes == 0 || s.worker.pss >= 0);
}
}  // namespace

std::int64_t WorkingSet(const MemorySample& s) {
  bool pss = PssKnown(s);
  std::int64_t total = 0;
  if (__builtin_add_overflow(Best(s.host, pss), s.worker.processes > 0 ? Best(s.worker, pss) : 0,
                             &total)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return total;
}

std::int64_t HostWorkingSet(const MemorySample& s) { return Best(s.host, PssKnown(s)); }

std::int64_t WorkerWorkingSet(const MemorySample& s) {
  return s.worker.processes > 0 ? Best(s.worker, PssKnown(s)) : 0;
}

}  // namespace squall
