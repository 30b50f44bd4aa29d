#include "host/concurrency_json.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace squall {

namespace json = boost::json;

std::string ConcurrencyJson(const ConcurrencyManager::View& view, const StaticConcurrency& fixed) {
  json::object o;
  o["dynamicConcurrencyEnabled"] = view.dynamic;
  o["health"] = HealthStateName(view.health.state);
  json::array throttles;
  for (auto name : view.health.throttles.Names()) throttles.emplace_back(name);
  o["throttles"] = throttles;
  o["healthDetail"] = view.health.detail;
  if (view.working_set) o["workingSetBytes"] = *view.working_set;

  json::object http;
  http["maxConcurrentRequests"] = fixed.http_max_concurrent;
  if (fixed.http_per_instance > 0) http["perInstanceConcurrency"] = fixed.http_per_instance;
  http["maxOutstandingRequests"] = fixed.http->max_outstanding_requests;
  http["running"] = fixed.http_running;
  http["waiting"] = fixed.http_waiting;
  o["http"] = std::move(http);
  json::object queues;
  queues["batchSize"] = fixed.queues->batch_size;
  queues["newBatchThreshold"] = fixed.queues->NewBatchThreshold(fixed.queue_cores);
  o["queues"] = std::move(queues);

  json::object functions;
  for (const auto& f : view.functions) {
    json::object fn;
    fn["trigger"] = f.http ? "http" : "other";
    if (view.dynamic) {
      fn["level"] = f.level;
    } else {
      fn["level"] = nullptr;  // static limits only (above)
    }
    fn["inFlight"] = f.in_flight;
    if (f.http && view.dynamic) fn["waiting"] = f.waiting;
    fn["throttles"] = throttles;  // host-wide: every function is held by them
    functions[f.name] = std::move(fn);
  }
  o["functions"] = std::move(functions);
  return json::serialize(o);
}

}  // namespace squall
