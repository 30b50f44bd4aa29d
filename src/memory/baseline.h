// Per-version memory baselines: the steady-state median working set of every (host version,
// app content) that instances ran, from their samples. Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "memory/memory_sample.h"

namespace squall {

struct BaselineOptions {
  // A baseline is ready (compared by the step detector) once it has this many steady samples:
  // one minute of one instance at the default 10 s interval.
  int min_steady_samples = 6;
};

struct MemoryBaseline {
  VersionKey key;
  WallTime first_seen{};  // first sample of this key, steady or not
  WallTime last_seen{};
  int samples = 0;         // every sample
  int steady_samples = 0;  // those after the warm-up: what the medians are of
  int instances = 0;       // distinct instances among the steady samples
  bool ready = false;      // steady_samples >= min_steady_samples
  // Of the steady samples (0 while there are none): working set (host + worker), its host and
  // worker parts, and the range of the working set.
  std::int64_t median = 0;
  std::int64_t host_median = 0;
  std::int64_t worker_median = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

// One baseline per key, oldest first (by first_seen, then key). Samples may come in any order.
std::vector<MemoryBaseline> ComputeBaselines(const std::vector<MemorySample>& samples,
                                             const BaselineOptions& options);

// The median of values (the mean of the two middle ones, rounded down, for an even count);
// 0 for none.
std::int64_t Median(std::vector<std::int64_t> values);

}  // namespace squall
