#include "platform/memory_monitor.h"

#include <algorithm>
#include <map>

#include "core/log.h"

namespace squall {

namespace {

constexpr const char* kCategory = "Platform.Memory";

constexpr const char* kCallbacks[] = {"squall_instance_process_memory_bytes",
                                      "squall_instance_cgroup_memory_bytes",
                                      "squall_memory_baseline_bytes",
                                      "squall_memory_step_bytes",
                                      "squall_memory_regressions",
                                      "squall_memory_samples_total"};

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

MemoryMonitor::MemoryMonitor(Clock& clock, Sampler sampler, TagSource tags,
                             MemorySampleStore* store, MemoryMonitorOptions options)
    : clock_(clock),
      sampler_(std::move(sampler)),
      tags_(std::move(tags)),
      store_(store),
      options_(std::move(options)) {}

MemoryMonitor::MemoryMonitor(Clock& clock, InstanceManager& instances, TagSource tags,
                             MemorySampleStore* store, MemoryMonitorOptions options)
    : MemoryMonitor(
          clock, [&instances] { return instances.SampleMemory(); }, std::move(tags), store,
          std::move(options)) {}

MemoryMonitor::~MemoryMonitor() {
  *alive_ = false;
  clock_.Cancel(timer_);
  if (registry_) {
    for (const char* name : kCallbacks) registry_->RemoveCallback(name);
  }
}

void MemoryMonitor::RegisterMetrics(MetricsRegistry& registry) {
  registry_ = &registry;
  // Fixed, valid names: registration cannot fail.
  sampling_seconds_ =
      &(*registry.AddHistogram("squall_memory_sampling_seconds",
                               "Time one memory sampling pass took (reading /proc for every "
                               "instance), on the platform's event loop.",
                               {}, ExponentialBuckets(0.0001, 2, 14)))
           ->With({});
  (void)registry.AddGaugeCallback(
      "squall_instance_process_memory_bytes",
      "Memory of each instance's host and worker (its processes summed) at the last sample, "
      "by kind: rss (resident set) or pss (proportional set, shared pages divided).",
      {"instance", "process", "kind", "host_version"}, [this] {
        std::vector<CallbackSample> out;
        for (const auto& s : Latest()) {
          for (const auto& [process, m] :
               {std::pair<const char*, ProcessMemory>{"host", s.host}, {"worker", s.worker}}) {
            if (m.processes == 0) continue;
            out.push_back(
                {{s.instance, process, "rss", s.key.host_version}, static_cast<double>(m.rss)});
            if (m.pss >= 0) {
              out.push_back(
                  {{s.instance, process, "pss", s.key.host_version}, static_cast<double>(m.pss)});
            }
          }
        }
        return out;
      });
  (void)registry.AddGaugeCallback(
      "squall_instance_cgroup_memory_bytes",
      "Each instance's cgroup memory charge at the last sample (page cache included).",
      {"instance"}, [this] {
        std::vector<CallbackSample> out;
        for (const auto& s : Latest()) {
          if (s.cgroup_bytes >= 0)
            out.push_back({{s.instance}, static_cast<double>(s.cgroup_bytes)});
        }
        return out;
      });
  (void)registry.AddGaugeCallback(
      "squall_memory_baseline_bytes",
      "Steady-state median working set (host + worker resident set) per host version and app "
      "content.",
      {"host_version", "content_hash"}, [this] {
        std::vector<CallbackSample> out;
        for (const auto& b : Report().baselines) {
          if (b.steady_samples > 0)
            out.push_back(
                {{b.key.host_version, b.key.content_hash}, static_cast<double>(b.median)});
        }
        return out;
      });
  (void)registry.AddGaugeCallback(
      "squall_memory_step_bytes",
      "Change of the baseline working set from one host version / app content to the next.",
      {"from_version", "from_content", "to_version", "to_content"}, [this] {
        std::vector<CallbackSample> out;
        for (const auto& s : Report().steps) {
          out.push_back(
              {{s.from.host_version, s.from.content_hash, s.to.host_version, s.to.content_hash},
               static_cast<double>(s.delta)});
        }
        return out;
      });
  (void)registry.AddGaugeCallback(
      "squall_memory_regressions",
      "Steps whose working set rose by more than max(20 MiB, 10 %) (squall memory shows them).", {},
      [this] {
        double n = 0;
        for (const auto& s : Report().steps) n += s.regression ? 1 : 0;
        return std::vector<CallbackSample>{{{}, n}};
      });
  (void)registry.AddCounterCallback(
      "squall_memory_samples_total", "Memory samples taken (one per instance per pass).", {},
      [this] {
        std::lock_guard lock(mu_);
        return std::vector<CallbackSample>{{{}, static_cast<double>(samples_taken_)}};
      });
}

void MemoryMonitor::Start() {
  running_ = true;
  auto schedule = [this] {
    if (!running_) return;
    timer_ = clock_.Schedule(options_.interval, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (auto a = alive.lock(); a && *a) Tick();
    });
  };
  if (!store_) return schedule();
  store_->Load([this, schedule,
                alive = std::weak_ptr<bool>(alive_)](StatusOr<std::vector<MemorySample>> loaded) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (!loaded.ok()) {
      LogWarn(kCategory, "earlier memory samples could not be read: {}", loaded.status().message());
    } else {
      std::lock_guard lock(mu_);
      // Stored samples are older than anything sampled since the start.
      history_.insert(history_.begin(), loaded->begin(), loaded->end());
      Trim();
    }
    Analyze();
    schedule();
  });
}

void MemoryMonitor::Stop() {
  running_ = false;
  clock_.Cancel(timer_);
  timer_ = kNoTimer;
}

void MemoryMonitor::Tick() {
  timer_ = kNoTimer;
  if (!running_) return;
  SampleNow();
  timer_ = clock_.Schedule(options_.interval, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); a && *a) Tick();
  });
}

void MemoryMonitor::SampleNow() {
  MonoTime began = clock_.Now();
  std::vector<InstanceMemoryReading> readings = sampler_();
  MonoTime now = clock_.Now();
  if (sampling_seconds_) sampling_seconds_->Observe(Seconds(now - began));
  WallTime wall = clock_.WallNow();
  std::map<std::string, MemoryInstanceTag> tags;
  for (auto& t : tags_()) tags.emplace(t.id, std::move(t));

  std::vector<MemorySample> fresh;
  for (const auto& r : readings) {
    auto tag = tags.find(r.id);
    if (tag == tags.end()) continue;  // not (or no longer) the platform's
    MemorySample s;
    s.at = wall;
    s.instance = r.id;
    s.key = {tag->second.host_version, options_.content_hash};
    s.host = r.host;
    s.worker = r.worker;
    s.cgroup_bytes = r.cgroup_bytes;
    s.instance_age = std::max(Duration::zero(), now - tag->second.started_at);
    s.steady = s.instance_age >= options_.warmup;
    fresh.push_back(std::move(s));
  }
  {
    std::lock_guard lock(mu_);
    latest_ = fresh;
    for (const auto& s : fresh) sampled_.insert(s.key);
    samples_taken_ += fresh.size();
    history_.insert(history_.end(), fresh.begin(), fresh.end());
    Trim();
  }
  if (store_ && !fresh.empty()) {
    store_->Append(std::move(fresh), wall, options_.retention,
                   [this, alive = std::weak_ptr<bool>(alive_)](Status s) {
                     if (auto a = alive.lock(); !a || !*a || s.ok()) return;
                     if (store_error_logged_) return;
                     store_error_logged_ = true;
                     LogWarn(kCategory, "memory samples are not being stored: {}", s.message());
                   });
  }
  Analyze();
}

void MemoryMonitor::Trim() {
  // The same bounds as the store: newest first, per key and in total, and not too old.
  const auto& r = options_.retention;
  if (history_.empty()) return;
  WallTime newest = history_.back().at;
  std::map<VersionKey, std::int64_t> per_key;
  std::int64_t total = 0;
  std::vector<bool> keep(history_.size(), false);
  for (std::size_t k = history_.size(); k-- > 0;) {
    const MemorySample& s = history_[k];
    if (newest - s.at > r.max_age) continue;
    if (++per_key[s.key] > r.max_per_key) continue;
    if (++total > r.max_total) continue;
    keep[k] = true;
  }
  std::size_t out = 0;
  for (std::size_t k = 0; k < history_.size(); ++k) {
    if (!keep[k]) continue;
    if (out != k) history_[out] = std::move(history_[k]);
    ++out;
  }
  history_.resize(out);
}

void MemoryMonitor::Analyze() {
  MemoryReport report;
  {
    std::lock_guard lock(mu_);
    report = BuildMemoryReport(history_, options_.baseline, options_.steps);
    report_ = report;
  }
  for (const auto& step : report.steps) {
    auto id = std::make_tuple(step.from, step.to, step.regression);
    if (logged_.count(id)) continue;
    if (!step.regression) {
      // Flat steps of earlier runs are history (squall memory shows them), not news.
      if (!sampled_.count(step.to)) continue;
      logged_.insert(id);
      Announce(false, DescribeStep(step));
      continue;
    }
    logged_.insert(id);
    if (!store_) {
      Announce(true, "memory regression: " + DescribeStep(step));
      continue;
    }
    store_->MarkReported(step.from, step.to, clock_.WallNow(),
                         [this, step, alive = std::weak_ptr<bool>(alive_)](StatusOr<bool> first) {
                           if (auto a = alive.lock(); !a || !*a) return;
                           // Reported already (by an earlier run): the log said it then.
                           if (first.ok() && !*first) return;
                           Announce(true, "memory regression: " + DescribeStep(step));
                         });
  }
}

void MemoryMonitor::Announce(bool regression, const std::string& line) const {
  if (options_.announce) return options_.announce(regression, line);
  LogLine(regression ? LogLevel::kWarning : LogLevel::kInformation, kCategory, line);
}

MemoryReport MemoryMonitor::Report() const {
  std::lock_guard lock(mu_);
  return report_;
}

std::vector<MemorySample> MemoryMonitor::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::vector<MemorySample> MemoryMonitor::History() const {
  std::lock_guard lock(mu_);
  return history_;
}

}  // namespace squall
