// An instance's side of direct connections (docs/architecture.md, "Direct connections"): the
// platform's front door hands client connections to this instance over an exchange channel,
// and the instance serves them itself, without the front door in the path. It hands a
// connection back (with what it read) for a request to a platform path (/admin/..., /metrics:
// the app's admin API is the platform's) and when the host drains (idle connections at once,
// busy ones after their response), so a scale-in loses nothing. It reports what
// the front door no longer sees, within 5 ms: the requests answered (target, status, time), how
// many run now and at most since the last report (the scaling signal), and the direct
// connections that closed.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/connection_exchange.h"
#include "http/http_server.h"

namespace squall {

class FunctionHost;

class InstanceDirectConnections final : public ConnectionSteering {
 public:
  // channel: connected to the platform; the hello carries token and instance id.
  InstanceDirectConnections(Clock& clock, HttpServer& server, FunctionHost& host,
                            std::shared_ptr<ExchangeChannel> channel, std::string token,
                            std::string instance_id);
  ~InstanceDirectConnections() override;

  void Start();
  void Stop();

  Sink Steer(const HttpRequest& request, bool direct) override;
  Sink ReturnSink() override;
  void DirectClosed() override;
  void DirectStarted() override;
  void DirectAnswered(const std::string& target, int status, Duration latency) override;

 private:
  void PollDrain();  // every 100 ms
  Sink SinkFor(char kind);
  void ArmReportLocked();
  void Flush();

  Clock& clock_;
  HttpServer& server_;
  FunctionHost& host_;
  std::shared_ptr<ExchangeChannel> channel_;
  std::string token_;
  std::string instance_id_;
  std::mutex mu_;
  std::string records_;  // "<status> <latency ns> <target>\n" lines
  int closed_ = 0;
  int in_flight_ = 0;  // requests on direct connections now
  int peak_ = 0;       // the most at once since the last report
  int reported_peak_ = 0;
  bool adopted_ = false;  // a connection arrived since the last report
  bool returning_ = false;
  bool stopped_ = false;
  TimerId timer_ = kNoTimer;         // the drain poll
  TimerId report_timer_ = kNoTimer;  // armed while records or closes wait
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
