// The body of GET /admin/host/concurrency: what limits every function runs under now, static
// (host.json http and queues) and dynamic (its level, and the host's throttles).
#pragma once

#include <string>

#include "config/app_config.h"
#include "host/concurrency_manager.h"

namespace squall {

struct StaticConcurrency {
  const HttpExtensionConfig* http = nullptr;
  const QueuesExtensionConfig* queues = nullptr;
  int queue_cores = 1;  // for newBatchThreshold's default
  int http_max_concurrent = -1;  // effective: host.json capped by the plan's per-instance one
  int http_per_instance = 0;     // Flex's per-instance HTTP concurrency (0 = none)
  int http_running = 0;
  int http_waiting = 0;
};

std::string ConcurrencyJson(const ConcurrencyManager::View& view, const StaticConcurrency& fixed);

}  // namespace squall
