#include "platform/http_instance_probe.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "http/http_client_pool.h"

namespace squall {

bool StatusBodySaysRunning(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto* state = v.get_object().if_contains("state");
  return state && state->is_string() && state->get_string() == "Running";
}

HttpInstanceProbe::HttpInstanceProbe(EventLoop& loop, std::string master_key)
    : loop_(loop), master_key_(std::move(master_key)) {}

void HttpInstanceProbe::CheckReady(const InstanceInfo& instance, std::function<void(bool)> done) {
  auto pool = std::make_shared<HttpClientPool>(loop_, instance.host, instance.port, 1,
                                               "instance " + instance.id);
  HttpRequest request;
  request.method = "GET";
  request.target = "/admin/host/status";
  request.headers.push_back({"x-functions-key", master_key_});
  pool->Send(std::move(request), [pool, done = std::move(done)](StatusOr<HttpResponse> result) {
    done(result.ok() && result->status == 200 && StatusBodySaysRunning(result->body));
  });
}

}  // namespace squall
