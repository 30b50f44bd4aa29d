#include "core/cpu_slice.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace squall {

namespace {

// struct sched_attr of sched_setattr(2), as the kernel defines it (glibc 2.36 has no wrapper,
// and <linux/sched/types.h> clashes with <sched.h>).
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;  // a normal task's custom slice, in ns (0 = default)
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
  std::uint32_t sched_util_min;
  std::uint32_t sched_util_max;
};

long GetAttr(SchedAttr& attr) {
  std::memset(&attr, 0, sizeof attr);
  return ::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0);
}

// Writes attr back with a new slice: policy, nice and priority stay as read.
long SetSlice(SchedAttr& attr, std::uint64_t ns) {
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = ns;
  return ::syscall(SYS_sched_setattr, 0, &attr, 0);
}

}  // namespace

Status SetThreadCpuSlice(Duration slice) {
  if (slice != Duration{0} && (slice < kMinCpuSlice || slice > kMaxCpuSlice)) {
    return InvalidArgument("a CPU slice is 0 (the kernel's default) or 0.1ms to 100ms");
  }
  SchedAttr attr;
  if (GetAttr(attr) != 0) return Internal(std::string("sched_getattr: ") + std::strerror(errno));
  if (SetSlice(attr, static_cast<std::uint64_t>(slice.count())) != 0) {
    return Internal(std::string("sched_setattr: ") + std::strerror(errno));
  }
  return Status::Ok();
}

StatusOr<Duration> ThreadCpuSlice() {
  SchedAttr attr;
  if (GetAttr(attr) != 0) return Internal(std::string("sched_getattr: ") + std::strerror(errno));
  return Duration{static_cast<std::int64_t>(attr.sched_runtime)};
}

void ResetCpuSliceInChild() {
  SchedAttr attr;
  if (GetAttr(attr) == 0 && attr.sched_runtime != 0) SetSlice(attr, 0);
}

}  // namespace squall
