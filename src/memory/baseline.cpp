#include "memory/baseline.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace squall {

std::int64_t Median(std::vector<std::int64_t> values) {
  if (values.empty()) return 0;
  std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  std::int64_t upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  std::int64_t lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  // Halves first: no overflow for values near the int64 limit.
  return lower / 2 + upper / 2 + (lower % 2 + upper % 2) / 2;
}

std::vector<MemoryBaseline> ComputeBaselines(const std::vector<MemorySample>& samples,
                                             const BaselineOptions& options) {
  struct Acc {
    MemoryBaseline b;
    std::vector<std::int64_t> total, host, worker;
    std::set<std::string> instances;
  };
  std::map<VersionKey, Acc> by_key;
  for (const auto& s : samples) {
    auto [it, fresh] = by_key.try_emplace(s.key);
    Acc& a = it->second;
    if (fresh) {
      a.b.key = s.key;
      a.b.first_seen = a.b.last_seen = s.at;
    }
    a.b.first_seen = std::min(a.b.first_seen, s.at);
    a.b.last_seen = std::max(a.b.last_seen, s.at);
    ++a.b.samples;
    if (!s.steady) continue;
    a.total.push_back(WorkingSet(s));
    a.host.push_back(HostWorkingSet(s));
    a.worker.push_back(WorkerWorkingSet(s));
    a.instances.insert(s.instance);
  }
  std::vector<MemoryBaseline> out;
  for (auto& [key, a] : by_key) {
    MemoryBaseline& b = a.b;
    b.steady_samples = static_cast<int>(a.total.size());
    b.instances = static_cast<int>(a.instances.size());
    b.ready = b.steady_samples >= std::max(1, options.min_steady_samples);
    if (!a.total.empty()) {
      b.min = *std::min_element(a.total.begin(), a.total.end());
      b.max = *std::max_element(a.total.begin(), a.total.end());
    }
    b.median = Median(std::move(a.total));
    b.host_median = Median(std::move(a.host));
    b.worker_median = Median(std::move(a.worker));
    out.push_back(std::move(b));
  }
  std::stable_sort(out.begin(), out.end(), [](const MemoryBaseline& x, const MemoryBaseline& y) {
    return x.first_seen < y.first_seen;
  });
  return out;
}

}  // namespace squall
