// InstanceProbe over the instance's admin API: ready when GET /admin/host/status (master key)
// says "Running", i.e. the host is up and its worker accepts work. A ping would answer before
// the worker is ready and route requests to an instance that still makes them wait.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/http_message.h"
#include "platform/instance_probe.h"

namespace squall {

class EventLoop;

class HttpClientPool;

// One keep-alive connection per starting instance: probes come every millisecond or so at
// first (scale_controller.h), and each need not pay a connect once the host listens.
class HttpInstanceProbe final : public InstanceProbe {
 public:
  HttpInstanceProbe(EventLoop& loop, std::string master_key);
  ~HttpInstanceProbe() override;
  void CheckReady(const InstanceInfo& instance, std::function<void(Readiness)> done) override;
  // POST /admin/host/drain, then GET /admin/host/drain/status's outstandingInvocations.
  void Drain(const InstanceInfo& instance,
             std::function<void(std::optional<DrainStatus>)> done) override;
  void Forget(const std::string& instance_id) override;

 private:
  std::shared_ptr<HttpClientPool> PoolFor(const InstanceInfo& instance);
  HttpRequest AdminRequest(std::string method, std::string target) const;

  EventLoop& loop_;
  std::string master_key_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<HttpClientPool>> pools_;
};

// outstandingInvocations of an /admin/host/drain/status body; nullopt when absent or malformed.
std::optional<InstanceProbe::DrainStatus> ParseDrainStatusBody(std::string_view body);

// What an /admin/host/status body says: ready when "state" is Running; the worker's start-up
// time from "worker"."startupSeconds" (exposed for tests).
InstanceProbe::Readiness ParseStatusBody(std::string_view body);
inline bool StatusBodySaysRunning(std::string_view body) { return ParseStatusBody(body).ready; }

}  // namespace squall
