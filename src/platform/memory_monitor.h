// The platform's memory sampler (issue 6): every interval it reads the host and worker memory
// of every instance (InstanceManager::SampleMemory), tags each sample with the host version the
// instance runs and the app's content hash, keeps it (MemorySampleStore, bounded by
// MemoryRetention), exports it in /metrics, and runs the per-version baselines and the step
// detector (src/memory). A regression is logged once (the store remembers it across runs);
// a flat step once per run, at information level. Runs on the Clock's loop; metrics callbacks
// may run on any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.h"
#include "memory/baseline.h"
#include "memory/memory_store.h"
#include "memory/step_detector.h"
#include "monitor/metrics.h"
#include "platform/instance_manager.h"

namespace squall {

struct MemoryMonitorOptions {
  Duration interval = std::chrono::seconds(10);
  // Samples of an instance younger than this are not steady: start-up, lazy initialization,
  // JIT and the first requests' caches settle meanwhile.
  Duration warmup = std::chrono::minutes(2);
  MemoryRetention retention;
  BaselineOptions baseline;
  StepOptions steps;
  std::string content_hash;  // of the app's files (app_content_hash.h)
  // Where step lines go (tests); empty = the log, category Platform.Memory.
  std::function<void(bool regression, const std::string& line)> announce;
};

// What the sampler needs to know of an instance besides its memory.
struct MemoryInstanceTag {
  std::string id;
  std::string host_version;
  MonoTime started_at{};
};

class MemoryMonitor {
 public:
  using TagSource = std::function<std::vector<MemoryInstanceTag>()>;
  // One reading per instance (InstanceManager::SampleMemory, or one host's own processes).
  using Sampler = std::function<std::vector<InstanceMemoryReading>()>;

  // store may be null (nothing kept between runs; every step logged once per run).
  MemoryMonitor(Clock& clock, Sampler sampler, TagSource tags, MemorySampleStore* store,
                MemoryMonitorOptions options);
  // Samples the instances the manager runs.
  MemoryMonitor(Clock& clock, InstanceManager& instances, TagSource tags, MemorySampleStore* store,
                MemoryMonitorOptions options);
  ~MemoryMonitor();  // cancels the timer and removes its metrics callbacks

  // Adds the memory metrics (callbacks read the latest samples and the report).
  void RegisterMetrics(MetricsRegistry& registry);
  // Loads what the store kept, then samples every interval.
  void Start();
  void Stop();
  // One sampling pass now (the timer's work; tests call it directly).
  void SampleNow();

  MemoryReport Report() const;
  std::vector<MemorySample> Latest() const;   // one per instance, of the last pass
  std::vector<MemorySample> History() const;  // what the report is computed from, oldest first

 private:
  void Tick();
  void Analyze();  // report, metrics, log lines
  void Trim();
  void Announce(bool regression, const std::string& line) const;

  Clock& clock_;
  Sampler sampler_;
  TagSource tags_;
  MemorySampleStore* store_;
  MemoryMonitorOptions options_;

  mutable std::mutex mu_;
  std::vector<MemorySample> history_;  // oldest first
  std::vector<MemorySample> latest_;
  MemoryReport report_;
  std::uint64_t samples_taken_ = 0;
  // Steps logged (or being marked in the store): (from, to, regression). A flat step that later
  // becomes a regression is logged again, as one.
  std::set<std::tuple<VersionKey, VersionKey, bool>> logged_;
  std::set<VersionKey> sampled_;  // keys sampled by this run: flat steps are logged only to them
  bool store_error_logged_ = false;

  MetricsRegistry* registry_ = nullptr;
  Histogram* sampling_seconds_ = nullptr;
  TimerId timer_ = kNoTimer;
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
