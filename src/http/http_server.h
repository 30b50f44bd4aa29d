// An HTTP/1.1 server on the event loop. Beast stays inside http_server.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "http/http_message.h"

namespace squall {

class EventLoop;

struct HttpServerOptions {
  std::uint64_t max_body_bytes = 104857600;  // larger bodies get 413 (Azure's 100 MB)
  std::uint32_t max_header_bytes = 64 * 1024;
  // A connection must deliver a request's headers within idle_timeout of the previous response
  // (or of connecting), its body within body_timeout after the headers, and take a response
  // within body_timeout: slow or half-sent requests are cut off and hold nothing. Checked by one
  // sweep every sweep_interval on the Clock, so the precision is that interval.
  Duration idle_timeout = std::chrono::seconds(60);
  Duration body_timeout = std::chrono::seconds(60);
  Duration sweep_interval = std::chrono::milliseconds(250);
};

// A connection leaving this server for another process: its socket, and what it sent that was
// not answered here (the request being steered, written again, then whatever followed it).
struct DetachedConnection {
  int fd = -1;  // owned by whoever receives it
  std::string pending;
};

// Lets another process serve a connection (the platform's direct connections: the front door
// hands a client's connection to an instance, which hands it back to drain or for a platform
// path). Called on the connection's executor before the handler sees a request (a connection's
// requests are read one after another, so the earlier ones are answered): every request of a
// connection adopted as direct, and every HTTP/1.1 kept-alive request of the others.
// Must outlive the server.
class ConnectionSteering {
 public:
  using Sink = std::function<void(DetachedConnection)>;
  virtual ~ConnectionSteering() = default;
  // A sink that takes the connection (the server detaches it and calls the sink once), or an
  // empty function to serve the request here.
  virtual Sink Steer(const HttpRequest& request, bool direct) = 0;
  // Where a direct connection goes when ReturnDirectConnections is on and it is idle; empty:
  // it stays.
  virtual Sink ReturnSink() { return {}; }
  // A direct connection ended here (the client or a deadline closed it), not detached.
  virtual void DirectClosed() {}
  // A request on a direct connection goes to the handler (DirectAnswered follows).
  virtual void DirectStarted() {}
  // A request answered on a direct connection: its target, status and time from the end of
  // the request to the response.
  virtual void DirectAnswered(const std::string& /*target*/, int /*status*/,
                              Duration /*latency*/) {}
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, Clock& clock, HttpHandler& handler, HttpServerOptions options);
  ~HttpServer();

  // Binds and starts accepting. port 0 picks a free port. Returns the bound port.
  StatusOr<int> Listen(const std::string& address, int port);
  // Stops accepting; open connections finish their current request and close.
  void Close();

  // Set before Listen or Adopt; null = no steering.
  void SetSteering(ConnectionSteering* steering);
  // Serves a connection another process handed over, as if `pending` had been read from it.
  // direct: every request is offered to the steering (an instance's direct connection).
  void Adopt(DetachedConnection connection, bool direct);
  // While on, direct connections leave through ConnectionSteering::ReturnSink as soon as they
  // are idle (now, for those waiting for a request; after their response, for the others).
  void ReturnDirectConnections(bool on);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace squall
