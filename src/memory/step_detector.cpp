#include "memory/step_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace squall {

std::int64_t StepThreshold(std::int64_t baseline, const StepOptions& options) {
  double fraction = options.min_fraction * static_cast<double>(std::max<std::int64_t>(baseline, 0));
  // Doubles above 2^63 do not convert: such a baseline's 10 % is beyond any real memory anyway.
  std::int64_t relative = fraction >= 9.2e18 ? std::int64_t{9200000000000000000}
                                             : static_cast<std::int64_t>(std::llround(fraction));
  return std::max(options.min_bytes, relative);
}

namespace {

std::string CauseOf(const VersionKey& from, const VersionKey& to) {
  bool version = from.host_version != to.host_version;
  bool content = from.content_hash != to.content_hash;
  if (version && content) return "host version and app content";
  return content ? "app content" : "host version";
}

std::int64_t Delta(std::int64_t to, std::int64_t from) {
  std::int64_t d = 0;
  if (__builtin_sub_overflow(to, from, &d)) return to > from ? INT64_MAX : INT64_MIN;
  return d;
}

}  // namespace

std::vector<MemoryStep> DetectSteps(const std::vector<MemoryBaseline>& baselines,
                                    const StepOptions& options) {
  std::vector<const MemoryBaseline*> ready;
  for (const auto& b : baselines)
    if (b.ready) ready.push_back(&b);
  std::vector<MemoryStep> steps;
  for (std::size_t k = 1; k < ready.size(); ++k) {
    const MemoryBaseline& from = *ready[k - 1];
    const MemoryBaseline& to = *ready[k];
    MemoryStep s;
    s.from = from.key;
    s.to = to.key;
    s.from_median = from.median;
    s.to_median = to.median;
    s.from_samples = from.steady_samples;
    s.to_samples = to.steady_samples;
    s.delta = Delta(to.median, from.median);
    s.threshold = StepThreshold(from.median, options);
    s.regression = s.delta > s.threshold;
    s.cause = CauseOf(from.key, to.key);
    if (s.regression) {
      // Earlier versions with the same content that stayed clearly below, latest first.
      for (std::size_t j = k; j-- > 0;) {
        const MemoryBaseline& e = *ready[j];
        if (e.key.content_hash != to.key.content_hash || e.key.host_version == to.key.host_version)
          continue;
        if (Delta(to.median, e.median) <= StepThreshold(e.median, options)) continue;
        if (std::find(s.pin_back.begin(), s.pin_back.end(), e.key.host_version) == s.pin_back.end())
          s.pin_back.push_back(e.key.host_version);
      }
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

MemoryReport BuildMemoryReport(const std::vector<MemorySample>& samples,
                               const BaselineOptions& baseline_options,
                               const StepOptions& step_options) {
  MemoryReport r;
  r.samples = samples.size();
  r.baselines = ComputeBaselines(samples, baseline_options);
  r.steps = DetectSteps(r.baselines, step_options);
  const MemorySample* latest = nullptr;
  for (const auto& s : samples)
    if (!latest || s.at >= latest->at) latest = &s;
  if (latest) r.current = latest->key;
  return r;
}

std::string FormatMiB(std::int64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string DescribeStep(const MemoryStep& s) {
  std::string what;
  if (s.cause == "app content") {
    what = fmt::format("the app content changed from {} to {} (host version {})",
                       s.from.content_hash, s.to.content_hash, s.to.host_version);
  } else if (s.cause == "host version") {
    what = fmt::format("instances moved from host version {} to {} (app content {})",
                       s.from.host_version, s.to.host_version, s.to.content_hash);
  } else {
    what =
        fmt::format("instances moved from host version {} (app content {}) to {} ({})",
                    s.from.host_version, s.from.content_hash, s.to.host_version, s.to.content_hash);
  }
  double percent = s.from_median > 0
                       ? 100.0 * static_cast<double>(s.delta) / static_cast<double>(s.from_median)
                       : 0.0;
  std::string out = fmt::format(
      "working set {} by {} ({:+.0f} %, threshold {}) when {}: medians {} of {} steady samples "
      "→ {} of {}",
      s.delta >= 0 ? "rose" : "fell",
      FormatMiB(s.delta >= 0           ? s.delta
                : s.delta == INT64_MIN ? INT64_MAX
                                       : -s.delta),
      percent, FormatMiB(s.threshold), what, FormatMiB(s.from_median), s.from_samples,
      FormatMiB(s.to_median), s.to_samples);
  if (s.regression) {
    if (!s.pin_back.empty()) {
      out += "; pin back with SQUALL_HOST_VERSION=" + s.pin_back.front();
    } else if (s.cause == "app content") {
      out += "; the host version did not change: look at the app's change";
    }
  }
  return out;
}

}  // namespace squall
