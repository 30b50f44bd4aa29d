// Keep-alive HTTP/1.1 connections to one loopback endpoint (a worker, an instance): plain
// sockets to an IP address, the hot path of the host and the front door. Beast stays in the
// .cpp. Host names and TLS (Azure Storage) are RemoteClientPool's.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/http_call.h"
#include "http/http_message.h"

namespace squall {

class EventLoop;

class HttpClientPool {
 public:
  using Callback = std::function<void(StatusOr<HttpResponse>)>;

  // peer_name names the other side in error messages ("the worker", "instance i-3").
  HttpClientPool(EventLoop& loop, std::string host, int port, std::size_t max_idle = 256,
                 std::string peer_name = "the worker");
  ~HttpClientPool();

  // Sends request (its target is sent as is; Host is set when missing). Errors: kUnavailable
  // when nothing accepted the connection, so the request was never sent (safe to retry);
  // kInternal when it failed after that (closed without answering, malformed response). A reused idle connection the peer had closed is retried once on a
  // fresh one, as browsers and Go's transport do.
  std::shared_ptr<HttpCall> Send(HttpRequest request, Callback callback);
  // Closes idle connections; calls in flight carry on.
  void CloseIdle();

  const std::string& host() const;
  int port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace squall
