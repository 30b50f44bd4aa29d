// Keep-alive HTTP/1.1 connections to one remote endpoint by host name or address, plain or over
// TLS (Azure Storage, Azurite): names are resolved asynchronously for every new connection, TLS
// verifies the server's certificate and name. HttpClientPool stays the loopback fast path; this
// one pays for DNS and TLS only where they are needed. Asio, Beast and OpenSSL stay in the .cpp.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/http_call.h"
#include "http/http_message.h"

namespace squall {

class EventLoop;

struct RemoteEndpointOptions {
  bool tls = false;  // https
  std::string host;  // a DNS name ("myaccount.queue.core.windows.net", "localhost") or an IP
  int port = 0;
  std::size_t max_idle = 16;
  std::string peer_name;  // names the other side in error messages
  // The CAs to trust over TLS: empty = the system's (OpenSSL's default verify paths, which honour
  // SSL_CERT_FILE and SSL_CERT_DIR); else a PEM file (tests).
  std::string ca_file;
};

class RemoteClientPool {
 public:
  using Callback = std::function<void(StatusOr<HttpResponse>)>;

  // Fails only when the CAs cannot be loaded (a ca_file that cannot be read). Nothing is
  // contacted here.
  static StatusOr<std::unique_ptr<RemoteClientPool>> Create(EventLoop& loop,
                                                            RemoteEndpointOptions options);
  ~RemoteClientPool();
  RemoteClientPool(const RemoteClientPool&) = delete;
  RemoteClientPool& operator=(const RemoteClientPool&) = delete;

  // Sends request (its target as is; Host is set when missing); the callback runs once, on the
  // loop. Errors: kUnavailable naming the peer when the request was never sent (the name did
  // not resolve, nothing accepted the connection, the TLS handshake or certificate verification
  // failed: safe to retry); kInternal when it failed after that. A reused idle connection the
  // server had closed is retried once on a fresh one.
  std::shared_ptr<HttpCall> Send(HttpRequest request, Callback callback);
  // Closes idle connections; calls in flight carry on.
  void CloseIdle();

  struct Impl;

 private:
  explicit RemoteClientPool(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace squall
