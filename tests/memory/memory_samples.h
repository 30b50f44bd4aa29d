// Scripted memory samples for the baseline and step detector tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "memory/memory_sample.h"

namespace squall::testing {

inline constexpr std::int64_t kMiB = 1024 * 1024;

// A run of one instance under a version: one sample every 10 s from `start`, the first
// `warmup` of them not steady; host and worker RSS given per sample by the functions.
template <typename HostFn, typename WorkerFn>
std::vector<MemorySample> Run(const std::string& instance, const std::string& version,
                              const std::string& content, WallTime start, int count, int warmup,
                              HostFn host, WorkerFn worker) {
  std::vector<MemorySample> out;
  for (int k = 0; k < count; ++k) {
    MemorySample s;
    s.at = start + std::chrono::seconds(10 * k);
    s.instance = instance;
    s.key = {version, content};
    // Resident sets as given; PSS a little lower (shared pages divided).
    s.host = {host(k), std::max<std::int64_t>(0, host(k) - 2 * kMiB), 1};
    s.worker = {worker(k), std::max<std::int64_t>(0, worker(k) - 3 * kMiB), 1};
    s.instance_age = std::chrono::seconds(10 * k);
    s.steady = k >= warmup;
    out.push_back(s);
  }
  return out;
}

inline std::vector<MemorySample> Flat(const std::string& instance, const std::string& version,
                                      const std::string& content, WallTime start, int count,
                                      std::int64_t host, std::int64_t worker,
                                      std::int64_t noise = 0) {
  // Deterministic noise: -noise, 0, +noise, 0, ...
  auto wiggle = [noise](int k) { return k % 4 == 0 ? -noise : k % 4 == 2 ? noise : 0; };
  return Run(
      instance, version, content, start, count, 3, [=](int k) { return host + wiggle(k); },
      [=](int k) { return worker - wiggle(k + 1); });
}

inline void Append(std::vector<MemorySample>& to, const std::vector<MemorySample>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

inline WallTime At(int minutes) {
  return WallTime{} + std::chrono::hours(24 * 365 * 54) + std::chrono::minutes(minutes);
}

}  // namespace squall::testing
