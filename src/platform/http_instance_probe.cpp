#include "platform/http_instance_probe.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "http/http_client_pool.h"

namespace squall {

InstanceProbe::Readiness ParseStatusBody(std::string_view body) {
  InstanceProbe::Readiness r;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return r;
  const auto& o = v.get_object();
  const auto* state = o.if_contains("state");
  r.ready = state && state->is_string() && state->get_string() == "Running";
  r.host_up = r.ready || (state && state->is_string() && state->get_string() == "Initialized");
  if (const auto* worker = o.if_contains("worker"); worker && worker->is_object()) {
    if (const auto* s = worker->get_object().if_contains("startupSeconds"); s && s->is_number()) {
      r.worker_startup = std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(s->to_number<double>()));
    }
  }
  if (const auto* e = o.if_contains("triggerExecutions"); e && e->is_object()) {
    const auto* count = e->get_object().if_contains("count");
    const auto* seconds = e->get_object().if_contains("seconds");
    if (count && count->is_int64() && count->get_int64() >= 0 && seconds &&
        seconds->is_number() && seconds->to_number<double>() >= 0) {
      r.trigger_executions = count->get_int64();
      r.trigger_execution_time = std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(std::min(seconds->to_number<double>(), 1e12)));
    }
  }
  return r;
}

HttpInstanceProbe::HttpInstanceProbe(EventLoop& loop, std::string master_key)
    : loop_(loop), master_key_(std::move(master_key)) {}

HttpInstanceProbe::~HttpInstanceProbe() = default;

void HttpInstanceProbe::Forget(const std::string& instance_id) {
  std::shared_ptr<HttpClientPool> pool;
  {
    std::lock_guard lock(mu_);
    auto it = pools_.find(instance_id);
    if (it == pools_.end()) return;
    pool = std::move(it->second);
    pools_.erase(it);
  }
  pool->CloseIdle();  // a probe still in flight keeps the pool alive until it ends
}

std::optional<InstanceProbe::DrainStatus> ParseDrainStatusBody(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* n = v.get_object().if_contains("outstandingInvocations");
  if (n == nullptr || !n->is_int64() || n->get_int64() < 0) return std::nullopt;
  InstanceProbe::DrainStatus s;
  s.outstanding = static_cast<int>(std::min<std::int64_t>(n->get_int64(), 1 << 30));
  InstanceProbe::Readiness counters = ParseStatusBody(body);  // the same triggerExecutions object
  s.trigger_executions = counters.trigger_executions;
  s.trigger_execution_time = counters.trigger_execution_time;
  return s;
}

std::shared_ptr<HttpClientPool> HttpInstanceProbe::PoolFor(const InstanceInfo& instance) {
  std::lock_guard lock(mu_);
  auto& slot = pools_[instance.id];
  // A new pool when the instance id comes back on another endpoint (a replacement).
  if (!slot || slot->port() != instance.port || slot->host() != instance.host) {
    slot = std::make_shared<HttpClientPool>(loop_, instance.host, instance.port, 1,
                                            "instance " + instance.id);
  }
  return slot;
}

HttpRequest HttpInstanceProbe::AdminRequest(std::string method, std::string target) const {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers.push_back({"x-functions-key", master_key_});
  return request;
}

void HttpInstanceProbe::CheckReady(const InstanceInfo& instance,
                                   std::function<void(Readiness)> done) {
  auto pool = PoolFor(instance);
  pool->Send(AdminRequest("GET", "/admin/host/status"),
             [pool, done = std::move(done)](StatusOr<HttpResponse> result) {
               if (!result.ok() || result->status != 200) return done(Readiness{});
               done(ParseStatusBody(result->body));
             });
}

void HttpInstanceProbe::Drain(const InstanceInfo& instance,
                              std::function<void(std::optional<DrainStatus>)> done) {
  auto pool = PoolFor(instance);
  // Drain is idempotent on the host, so every poll asks again: one request fewer to get wrong.
  pool->Send(AdminRequest("POST", "/admin/host/drain"),
             [pool, status_request = AdminRequest("GET", "/admin/host/drain/status"),
              done = std::move(done)](StatusOr<HttpResponse> drained) mutable {
               if (!drained.ok() || drained->status != 202) return done(std::nullopt);
               pool->Send(std::move(status_request),
                          [pool, done = std::move(done)](StatusOr<HttpResponse> status) {
                            if (!status.ok() || status->status != 200) return done(std::nullopt);
                            done(ParseDrainStatusBody(status->body));
                          });
             });
}

}  // namespace squall
