// `squall memory` output: the report (baselines, changes, versions to pin back to) as text for
// people or JSON for scripts. Pure.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memory/step_detector.h"

namespace squall {

struct ReportExtras {
  // Host versions installed on this machine (squall versions list): a version to pin back to is
  // marked installed or not. nullopt: unknown, nothing marked.
  std::optional<std::set<std::string>> installed;
  // With samples: each baseline lists its samples (time, instance, host, worker, steady).
  const std::vector<MemorySample>* samples = nullptr;
};

// {"samples": N, "current": {"hostVersion", "contentHash"} | null, "regressions": n,
//  "baselines": [{"hostVersion", "contentHash", "ready", "baselineBytes", "hostBytes",
//                 "workerBytes", "minBytes", "maxBytes", "steadySamples", "samples",
//                 "instances", "firstSeen", "lastSeen" [, "sampleList": [...]]}],
//  "changes": [{"from": {...}, "to": {...}, "cause", "deltaBytes", "thresholdBytes",
//               "regression", "fromSamples", "toSamples", "pinBack": [{"hostVersion",
//               "installed"}], "description"}]}
std::string MemoryReportJson(const MemoryReport& report, const ReportExtras& extras);

std::string MemoryReportText(const MemoryReport& report, const ReportExtras& extras);

}  // namespace squall
