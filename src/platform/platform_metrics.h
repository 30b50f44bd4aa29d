// The platform's Prometheus metrics: requests and latency at the front door, cold-start waits,
// instances per state, scale decisions, activation buffer depth, instance memory. Values that
// exist elsewhere (instances, decisions, buffer) are read when scraped, not copied.
#pragma once

#include <array>
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

  void OnResponse(int status, Duration latency) override;
  void OnColdStart(Duration wait, const std::string& instance_id) override;

  std::string RenderText() const;  // Prometheus text exposition 0.0.4
  // Executions (metered from the front door) plus instance time (from the controller).
  UsageTotals Usage() const;

 private:
  ScaleController& controller_;
  std::optional<PriceTable> prices_;
  mutable std::mutex usage_mu_;
  UsageTotals executions_;  // executions and execution GB-seconds
  MetricsRegistry registry_;
  Family<Counter>* requests_ = nullptr;
  Histogram* latency_ = nullptr;
  Histogram* cold_start_ = nullptr;
  Histogram* cold_start_platform_ = nullptr;  // the wait less the worker's own start-up
  Histogram* cold_start_worker_ = nullptr;
  // Children by status code, resolved once each: the hot path is one atomic add.
  std::array<std::atomic<Counter*>, 1000> by_status_{};
};

}  // namespace squall
