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

void HttpInstanceProbe::CheckReady(const InstanceInfo& instance,
                                   std::function<void(Readiness)> done) {
  std::shared_ptr<HttpClientPool> pool;
  {
    std::lock_guard lock(mu_);
    auto& slot = pools_[instance.id];
    // A new pool when the instance id comes back on another endpoint (a replacement).
    if (!slot || slot->port() != instance.port || slot->host() != instance.host) {
      slot = std::make_shared<HttpClientPool>(loop_, instance.host, instance.port, 1,
                                              "instance " + instance.id);
    }
    pool = slot;
  }
  HttpRequest request;
  request.method = "GET";
  request.target = "/admin/host/status";
  request.headers.push_back({"x-functions-key", master_key_});
  pool->Send(std::move(request), [pool, done = std::move(done)](StatusOr<HttpResponse> result) {
    if (!result.ok() || result->status != 200) return done(Readiness{});
    done(ParseStatusBody(result->body));
  });
}

}  // namespace squall
