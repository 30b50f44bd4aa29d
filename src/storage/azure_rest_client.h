// One Azure Storage service endpoint (the Queue or the Blob service of an account), spoken to
// over RemoteClientPool (http or https, by name or address): builds the URL under the
// endpoint's path, stamps x-ms-date/x-ms-version, authorizes (Shared Key or SAS) and bounds
// each call with a deadline. Any HTTP status is handed back as a response; the caller maps failures with
// ErrorStatus.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "http/http_message.h"
#include "storage/azure_credentials.h"
#include "storage/storage_connection.h"

namespace squall {

class EventLoop;
class RemoteClientPool;

// The REST API version squall speaks (supported by Azurite 3.x and Azure).
inline constexpr std::string_view kAzureStorageApiVersion = "2021-08-06";

struct AzureRequest {
  std::string method;  // "GET", "PUT", ...
  // Under the account, already percent-encoded: "/orders/messages", "" for the account itself.
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // raw; encoded when sent
  std::vector<HttpHeader> headers;                         // besides the ones the client adds
  std::string body;
};

class AzureRestClient {
 public:
  using Callback = std::function<void(StatusOr<HttpResponse>)>;

  // http or https (certificate and name verified against the system's CAs, which
  // SSL_CERT_FILE / SSL_CERT_DIR can replace), to an IP address or a host name (resolved for
  // each new connection). Nothing is contacted here.
  static StatusOr<std::unique_ptr<AzureRestClient>> Create(EventLoop& loop, Clock& clock,
                                                           const StorageEndpoint& endpoint,
                                                           AzureCredentials credentials);
  ~AzureRestClient();
  AzureRestClient(const AzureRestClient&) = delete;
  AzureRestClient& operator=(const AzureRestClient&) = delete;

  // Signs and sends. `done` runs later on the loop, never inline, exactly once - unless this
  // client is destroyed first, which drops it. Errors: kUnavailable naming the endpoint when
  // it cannot be reached (name not resolved, connection refused, TLS handshake or certificate
  // verification failed: the message says which and why), kDeadlineExceeded after `timeout`,
  // kInternal when the connection broke mid-call.
  void Send(AzureRequest request, Callback done);
  // Runs fn on the loop later, unless this client is destroyed first.
  void Post(std::function<void()> fn);

  // A failed response as a Status naming the account; `what` says what was being done
  // ("Put Message to queue 'orders'").
  Status ErrorStatus(const HttpResponse& response, std::string_view what) const;

  const std::string& account() const { return credentials_.account(); }
  const StorageEndpoint& endpoint() const { return endpoint_; }
  // "Azure Storage account 'devstoreaccount1' (http://127.0.0.1:10001/devstoreaccount1)"
  std::string Describe() const;

  void set_timeout(Duration timeout) { timeout_ = timeout; }

  struct State;

 private:
  AzureRestClient(EventLoop& loop, Clock& clock, StorageEndpoint endpoint,
                  std::unique_ptr<RemoteClientPool> pool, AzureCredentials credentials);

  EventLoop& loop_;
  Clock& clock_;
  StorageEndpoint endpoint_;
  AzureCredentials credentials_;
  Duration timeout_;
  std::shared_ptr<State> state_;  // callbacks hold it weakly: gone = drop
};

}  // namespace squall
