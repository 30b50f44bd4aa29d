// The platform's Prometheus metrics: requests and latency at the front door, cold-start waits,
// instances per state, scale decisions, activation buffer depth, instance memory. Values that
// exist elsewhere (instances, decisions, buffer) are read when scraped, not copied.
#pragma once

#include <map>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "monitor/metrics.h"
#include "platform/front_door.h"
#include "platform/instance_manager.h"
#include "platform/scale_controller.h"
#include "scale/usage_meter.h"

namespace squall {

class PlatformMetrics final : public FrontDoorObserver {
 public:
  // prices: when given, the cost of the usage so far is exported too (squall_usage_cost).
  PlatformMetrics(FrontDoor& front_door, ScaleController& controller, InstanceManager& instances,
                  std::optional<PriceTable> prices);
  ~PlatformMetrics() override;

  // Every answered app request; function "" when no route matched.
  void OnResponse(const std::string& function, int status, Duration latency);
  void OnColdStart(Duration wait, const std::string& instance_id) override;
  // Executions the front door does not see (queue, timer), as the instances report them.
  void OnTriggerExecutions(std::int64_t count, Duration total_time);

  std::string RenderText() const;  // Prometheus text exposition 0.0.4
  // For other platform components' metrics (the memory sampler's).
  MetricsRegistry& registry() { return registry_; }
  // Executions (HTTP from the front door, others from the instances) plus instance time (from
  // the controller).
  UsageTotals Usage() const;

 private:
  ScaleController& controller_;
  std::optional<PriceTable> prices_;
  mutable std::mutex usage_mu_;
  UsageTotals executions_;  // executions and execution GB-seconds
  MetricsRegistry registry_;
  Family<Counter>* requests_ = nullptr;
  Family<Histogram>* latency_ = nullptr;
  Histogram* cold_start_ = nullptr;
  Histogram* cold_start_platform_ = nullptr;  // the wait less the worker's own start-up
  Histogram* cold_start_worker_ = nullptr;
  // Labelled children resolved once per (function, code) and kept: the hot path is a lookup
  // under a small lock and an atomic add, with no allocation after the first request.
  std::mutex children_mu_;
  std::map<std::pair<std::string, int>, Counter*> request_children_;
  std::map<std::string, Histogram*> latency_children_;
};

}  // namespace squall
