// The platform's side of direct connections (docs/architecture.md, "Direct connections"). The
// front door is a second HTTP hop; on two shared cores it cost a third of the throughput of a
// plain host (BENCHMARKS.md, issue 4), most of it loopback TCP in the kernel. So, as Knative
// takes its activator out of the path once there is capacity, the front door hands a client's
// connection, with the request it just read, to a ready instance with room (SCM_RIGHTS over a Unix
// socket: the instance's host then reads and answers the client itself) and stays in the path
// only for the rest: cold starts (the activation buffer), instances without room, platform
// paths. The instance hands connections back to drain and for platform paths; it reports the
// requests it answered (metrics, usage) and the connections that closed. A direct connection
// counts as one request in flight on its instance until then (scaling, routing, drain).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "http/connection_exchange.h"
#include "http/http_server.h"

namespace squall {

class EventLoop;
class FrontDoor;

struct DirectConnectionOptions {
  int room_per_instance = 100;  // the HTTP target per instance (HttpTargetPerInstance)
  // True while the app drains (the platform answers 503 then): nothing is handed over.
  std::function<bool()> draining;
  // A request an instance answered on a direct connection.
  std::function<void(const std::string& target, int status, Duration latency)> on_answered;
};

class PlatformDirectConnections final : public ConnectionSteering {
 public:
  PlatformDirectConnections(EventLoop& loop, HttpServer& server, FrontDoor& front_door,
                            DirectConnectionOptions options);
  ~PlatformDirectConnections() override;

  // Opens the exchange socket. Instances connect to name() with token() (passed in their
  // environment: SQUALL_PLATFORM_EXCHANGE, SQUALL_PLATFORM_EXCHANGE_TOKEN).
  Status Listen();
  void Close();
  const std::string& name() const;
  const std::string& token() const { return token_; }

  Sink Steer(const HttpRequest& request, bool direct) override;

  // Instances with a live channel (for tests and /admin/platform/instances).
  bool Connected(const std::string& instance_id) const;

 private:
  void OnChannel(std::shared_ptr<ExchangeChannel> channel);
  void OnMessage(const std::shared_ptr<ExchangeChannel>& channel, ExchangeMessage m);
  void OnReport(const std::string& instance_id, const std::string& payload);
  void TakeBack(const std::string& instance_id, ExchangeMessage m);

  EventLoop& loop_;
  HttpServer& server_;
  FrontDoor& front_door_;
  DirectConnectionOptions options_;
  std::string token_;
  std::unique_ptr<ExchangeListener> listener_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ExchangeChannel>> channels_;  // by instance id
  std::map<ExchangeChannel*, std::string> ids_;                        // hello received
};

}  // namespace squall
