// The time slice Linux's EEVDF scheduler gives the calling thread (a custom slice for a normal
// task, Linux 6.12+). A task that wakes with a shorter slice than the one running gets an
// earlier deadline and runs at once instead of after the other's slice (the default is 0.7 ms ×
// (1 + log2 CPUs): 1.4 ms on 2 cores). The platform's front door and instance hosts are event
// loops that wake for microseconds of work per request; see docs/architecture.md ("CPU slice").
#pragma once

#include "core/clock.h"
#include "core/status.h"

namespace squall {

// The kernel's bounds for a custom slice.
inline constexpr Duration kMinCpuSlice = std::chrono::microseconds(100);
inline constexpr Duration kMaxCpuSlice = std::chrono::milliseconds(100);

// Sets the calling thread's slice; Duration{0} returns it to the kernel's default. Threads and
// processes it creates afterwards inherit it (across exec too). Keeps the policy and nice value.
// Kernels before 6.12 accept the call and ignore the slice.
Status SetThreadCpuSlice(Duration slice);

// The calling thread's slice as the kernel reports it (sched_getattr); Duration{0} where the
// kernel does not report one (before 6.12).
StatusOr<Duration> ThreadCpuSlice();

// SetThreadCpuSlice(Duration{0}) for a forked child before exec: async-signal-safe (two raw
// system calls), errors ignored. A worker is the user's code and keeps the kernel's default.
void ResetCpuSliceInChild();

}  // namespace squall
