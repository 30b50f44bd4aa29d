#include "platform/platform_metrics.h"

#include <algorithm>

#include "monitor/prometheus_text.h"

namespace squall {

namespace {
double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

PlatformMetrics::PlatformMetrics(FrontDoor& front_door, ScaleController& controller,
                                 InstanceManager& instances, std::optional<PriceTable> prices)
    : controller_(controller), prices_(prices) {
  // Registration with fixed, valid names cannot fail; a failure here is a programming error.
  requests_ = *registry_.AddCounter("squall_http_requests_total",
                                    "HTTP requests answered by the platform, by function (\"\" "
                                    "when no route matched) and status code.",
                                    {"function", "code"});
  latency_ = *registry_.AddHistogram("squall_http_request_duration_seconds",
                                     "Time from a request's arrival at the platform to its "
                                     "response, cold-start waits included, by function.",
                                     {"function"}, DefaultLatencyBuckets());
  cold_start_ = &(*registry_.AddHistogram("squall_cold_start_wait_seconds",
                                          "How long requests waited in the activation buffer "
                                          "for an instance.",
                                          {}, ExponentialBuckets(0.005, 2, 14)))
                     ->With({});
  cold_start_platform_ =
      &(*registry_.AddHistogram("squall_cold_start_platform_seconds",
                                "The platform's share of each cold-start wait: the wait less "
                                "the worker's own start-up time.",
                                {}, ExponentialBuckets(0.001, 2, 14)))
           ->With({});
  cold_start_worker_ =
      &(*registry_.AddHistogram("squall_cold_start_worker_seconds",
                                "The worker's start-up time within each cold-start wait (from "
                                "its start to accepting HTTP).",
                                {}, ExponentialBuckets(0.001, 2, 14)))
           ->With({});
  (void)registry_.AddGaugeCallback(
      "squall_instances", "Instances by state.", {"state"}, [&controller] {
        std::map<std::string, int> by_state = {
            {"starting", 0}, {"prewarmed", 0}, {"ready", 0}, {"draining", 0}};
        for (const auto& r : controller.Instances()) ++by_state[InstanceStateName(r.state)];
        std::vector<CallbackSample> out;
        for (const auto& [state, n] : by_state) out.push_back({{state}, static_cast<double>(n)});
        return out;
      });
  (void)registry_.AddCounterCallback(
      "squall_scale_decisions_total", "Scale decisions that acted, by scale group.", {"group"},
      [&controller] {
        std::vector<CallbackSample> out;
        for (const auto& [group, n] : controller.DecisionCounts())
          out.push_back({{group}, static_cast<double>(n)});
        return out;
      });
  (void)registry_.AddGaugeCallback(
      "squall_activation_buffer_requests",
      "Requests waiting at the front door for an instance to be ready.", {}, [&front_door] {
        return std::vector<CallbackSample>{{{}, static_cast<double>(front_door.Buffered())}};
      });
  (void)registry_.AddGaugeCallback(
      "squall_instance_memory_bytes", "Memory of each instance, host and worker together.",
      {"instance"}, [&controller, &instances] {
        std::vector<CallbackSample> out;
        for (const auto& r : controller.Instances()) {
          ResourceUsage u = instances.Usage(r.id);
          if (u.measured) out.push_back({{r.id}, static_cast<double>(u.memory_bytes)});
        }
        return out;
      });
  (void)registry_.AddCounterCallback(
      "squall_usage_total",
      "Usage as the plan bills it: executions and execution GB-seconds (consumption, flex), "
      "instance core-seconds and GB-seconds (premium, dedicated).",
      {"meter"}, [this] {
        UsageTotals u = Usage();
        return std::vector<CallbackSample>{
            {{"executions"}, static_cast<double>(u.executions)},
            {{"execution_gb_seconds"}, u.execution_gb_seconds},
            {{"instance_core_seconds"}, u.instance_core_seconds},
            {{"instance_gb_seconds"}, u.instance_gb_seconds}};
      });
  if (prices_) {
    (void)registry_.AddGaugeCallback(
        "squall_usage_cost", "Cost of the usage so far, from the price table given (--prices).",
        {"item"}, [this] {
          UsageCost c = PriceUsage(Usage(), *prices_);
          return std::vector<CallbackSample>{{{"executions"}, c.executions},
                                             {{"execution_gb_seconds"}, c.execution_gb_seconds},
                                             {{"core_seconds"}, c.core_seconds},
                                             {{"gb_seconds"}, c.gb_seconds},
                                             {{"total"}, c.total()}};
        });
  }
}

UsageTotals PlatformMetrics::Usage() const {
  UsageTotals u = controller_.InstanceUsage();
  std::lock_guard lock(usage_mu_);
  u.executions = executions_.executions;
  u.execution_gb_seconds = executions_.execution_gb_seconds;
  return u;
}

PlatformMetrics::~PlatformMetrics() {
  for (const char* name : {"squall_instances", "squall_scale_decisions_total",
                           "squall_activation_buffer_requests", "squall_instance_memory_bytes",
                           "squall_usage_total", "squall_usage_cost"}) {
    registry_.RemoveCallback(name);
  }
}

void PlatformMetrics::OnResponse(const std::string& function, int status, Duration latency) {
  int code = status >= 100 && status <= 999 ? status : 0;
  Counter* counter;
  Histogram* histogram;
  {
    std::lock_guard lock(children_mu_);
    auto& c = request_children_[{function, code}];
    if (!c) c = &requests_->With({function, std::to_string(code)});
    counter = c;
    auto& h = latency_children_[function];
    if (!h) h = &latency_->With({function});
    histogram = h;
  }
  counter->Inc();
  histogram->Observe(Seconds(latency));
  // An execution is a request a function ran for: not refused before it reached one.
  bool executed = !function.empty() && ((status >= 200 && status < 400) || status == 500);
  if (executed) {
    std::lock_guard lock(usage_mu_);
    executions_ = AddExecution(executions_, controller_.plan(), latency);
  }
}

void PlatformMetrics::OnTriggerExecutions(std::int64_t count, Duration total_time) {
  std::lock_guard lock(usage_mu_);
  executions_ = AddExecutions(executions_, controller_.plan(), count, total_time);
}

void PlatformMetrics::OnColdStart(Duration wait, const std::string& instance_id) {
  cold_start_->Observe(Seconds(wait));
  if (auto worker = controller_.WorkerStartup(instance_id)) {
    Duration w = std::min(*worker, wait);  // a request that came late waited less than that
    cold_start_worker_->Observe(Seconds(w));
    cold_start_platform_->Observe(Seconds(wait - w));
  }
}

std::string PlatformMetrics::RenderText() const { return RenderPrometheusText(registry_); }

}  // namespace squall
