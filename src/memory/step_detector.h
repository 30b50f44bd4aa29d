// The step detector: when instances moved from one (host version, app content) to the next and
// the steady working set rose by more than max(20 MiB, 10 %), that move is a regression. Pure.
//
// Baselines are compared in the order their keys first appeared, each with the previous one
// that is ready (enough steady samples); a key that never became ready is skipped. Medians of
// steady samples, so warm-up, a single spike or a short run do not make a step; a flat move
// (within the threshold either way) is reported as a change but never as a regression.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/baseline.h"

namespace squall {

struct StepOptions {
  std::int64_t min_bytes = std::int64_t{20} << 20;  // 20 MiB
  double min_fraction = 0.10;                       // of the earlier baseline
};

// max(min_bytes, min_fraction × baseline).
std::int64_t StepThreshold(std::int64_t baseline, const StepOptions& options);

struct MemoryStep {
  VersionKey from, to;
  std::int64_t from_median = 0, to_median = 0;
  int from_samples = 0, to_samples = 0;  // steady samples behind each median
  std::int64_t delta = 0;                // to - from
  std::int64_t threshold = 0;
  bool regression = false;  // delta > threshold
  // "host version", "app content" or "host version and app content"
  std::string cause;
  // For a regression: host versions that ran the same app content with a baseline lower than
  // the new one by more than the threshold, most recent first: what SQUALL_HOST_VERSION can pin
  // back to. Empty when only the content changed.
  std::vector<std::string> pin_back;
};

std::vector<MemoryStep> DetectSteps(const std::vector<MemoryBaseline>& baselines,
                                    const StepOptions& options);

struct MemoryReport {
  std::vector<MemoryBaseline> baselines;  // oldest first
  std::vector<MemoryStep> steps;          // oldest first
  std::optional<VersionKey> current;      // the key of the latest sample
  std::size_t samples = 0;
};

MemoryReport BuildMemoryReport(const std::vector<MemorySample>& samples,
                               const BaselineOptions& baseline_options,
                               const StepOptions& step_options);

// "12.3 MiB"
std::string FormatMiB(std::int64_t bytes);
// One line for the log: "working set rose by 50.0 MiB (+52 %, threshold 20.0 MiB) when
// instances moved from host version 1.0.1 to 2.0.0 (app content 3fa2...): medians 96.1 MiB of
// 30 steady samples → 146.1 MiB of 28; pin back with SQUALL_HOST_VERSION=1.0.1"
std::string DescribeStep(const MemoryStep& step);

}  // namespace squall
