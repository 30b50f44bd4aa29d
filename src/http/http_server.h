// An HTTP/1.1 server on the event loop. Beast stays inside http_server.cpp.
#pragma once

#include <cstdint>
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

class HttpServer {
 public:
  HttpServer(EventLoop& loop, Clock& clock, HttpHandler& handler, HttpServerOptions options);
  ~HttpServer();

  // Binds and starts accepting. port 0 picks a free port. Returns the bound port.
  StatusOr<int> Listen(const std::string& address, int port);
  // Stops accepting; open connections finish their current request and close.
  void Close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace squall
