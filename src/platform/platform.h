// One app on the platform: the front door, the scale controller, and the platform's own admin
// API, behind one HTTP handler (the `squall start --plan ...` port). Instances come from an
// InstanceManager; the app's own requests (its functions, and its per-host admin API) go
// through the front door to an instance.
#pragma once

#include <atomic>
#include <optional>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/http_message.h"
#include "http/route_template.h"
#include "platform/execution_meter.h"
#include "platform/front_door.h"
#include "platform/instance_manager.h"
#include "platform/instance_probe.h"
#include "platform/memory_monitor.h"
#include "platform/platform_metrics.h"
#include "platform/scale_controller.h"

namespace squall {

class EventLoop;

// An HTTP function as the platform routes it for metrics (the instance routes it for real).
struct PlatformRoute {
  std::string function;
  std::string route;  // template, without the prefix
};

struct PlatformOptions {
  std::string app_name;
  std::string version;
  std::string master_key;  // the app's: guards /admin/platform/* and /admin/host/status
  ScaleControllerOptions scale;
  FrontDoorOptions front_door;
  std::optional<PriceTable> prices;  // from --prices FILE; none = no cost metric
  std::string route_prefix = "api";
  std::vector<PlatformRoute> routes;
  // Memory sampling (memory_monitor.h); none = off. Samples are kept in memory_store (may be
  // null: nothing kept between runs).
  std::optional<MemoryMonitorOptions> memory;
  MemorySampleStore* memory_store = nullptr;
};

class Platform final : public HttpHandler {
 public:
  Platform(EventLoop& loop, Clock& clock, InstanceManager& instances, InstanceProbe& probe,
           PlatformOptions options);

  void Start();
  void Stop();  // stops every instance
  // The host version new instances run; running ones roll over to it one at a time.
  void SetHostVersion(const std::string& version);
  void Handle(HttpRequest request, Responder respond) override;

  // JSON bodies of the admin endpoints (exposed for tests).
  std::string InstancesJson();
  std::string ScaleJson() const;
  std::string StatusJson() const;
  std::string MetricsText() const { return metrics_.RenderText(); }
  UsageTotals Usage() const { return metrics_.Usage(); }
  MemoryMonitor* memory() { return memory_.get(); }  // null when sampling is off

  // Direct connections (platform_direct_connections.h) route through the front door's counts.
  FrontDoor& front_door() { return front_door_; }
  bool draining() const { return draining_; }
  // A request an instance answered on a direct connection: counted as if the front door had.
  void OnDirectAnswered(const std::string& target, int status, Duration latency);

 private:
  bool HandleAdmin(const HttpRequest& request, Responder& respond);
  // Sends method+path (master key) to every live instance; done gets each answer (or error).
  void FanOut(const std::string& method, const std::string& path,
              std::function<void(std::vector<StatusOr<HttpResponse>>)> done);
  void HandleDrain(const std::string& action, Responder respond);

  // The function a request is for ("" when none), for per-function metrics.
  const std::string& FunctionOf(std::string_view path) const;

  EventLoop& loop_;
  Clock& clock_;
  InstanceManager& instances_;
  PlatformOptions options_;
  FrontDoor front_door_;
  ScaleController controller_;
  PlatformMetrics metrics_;
  std::unique_ptr<MemoryMonitor> memory_;  // after metrics_: unregisters from it first
  ExecutionMeter executions_;              // queue and timer executions, into metrics_
  MonoTime started_at_;
  // Last CPU reading per instance, for cpuPercent between two reads of /admin/platform/instances.
  std::map<std::string, std::pair<MonoTime, double>> last_cpu_;
  std::atomic<bool> draining_{false};  // app-wide drain: new app requests get 503
  Router router_;
  std::vector<std::string> prefix_segments_;
  // Path → index in options_.routes (-1: none), for FunctionOf; at most kRouteCacheSize paths.
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr std::size_t kRouteCacheSize = 1024;
  mutable std::mutex route_cache_mu_;
  mutable std::unordered_map<std::string, int, PathHash, std::equal_to<>> route_cache_;
};

}  // namespace squall
