#include "storage/azure_rest_client.h"

#include <chrono>
#include <mutex>
#include <unordered_set>

#include "core/event_loop.h"
#include "http/remote_client_pool.h"
#include "storage/azure_error.h"
#include "storage/azure_text.h"

namespace squall {

namespace {

constexpr Duration kDefaultTimeout = std::chrono::seconds(30);

// One call in flight. The timer and the call refer to each other; whichever comes second finds
// the first here.
struct Pending {
  std::mutex mu;
  std::weak_ptr<HttpCall> call;
  TimerId timer = kNoTimer;
};

}  // namespace

struct AzureRestClient::State {
  State(Clock& clock_, std::unique_ptr<RemoteClientPool> pool_)
      : clock(clock_), pool(std::move(pool_)) {}
  Clock& clock;
  std::unique_ptr<RemoteClientPool> pool;
  std::mutex mu;
  std::unordered_set<std::shared_ptr<Pending>> pending;
};

namespace {

std::string HostHeader(const StorageEndpoint& ep) {
  bool default_port =
      (ep.scheme == "https" && ep.port == 443) || (ep.scheme == "http" && ep.port == 80);
  std::string host = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  return default_port ? host : host + ":" + std::to_string(ep.port);
}

}  // namespace

StatusOr<std::unique_ptr<AzureRestClient>> AzureRestClient::Create(EventLoop& loop, Clock& clock,
                                                                   const StorageEndpoint& endpoint,
                                                                   AzureCredentials credentials) {
  RemoteEndpointOptions options;
  options.tls = endpoint.scheme == "https";
  options.host = endpoint.host;
  options.port = endpoint.port;
  options.max_idle = 16;
  options.peer_name = "Azure Storage at " + endpoint.ToString();
  auto pool = RemoteClientPool::Create(loop, std::move(options));
  if (!pool.ok()) return pool.status();
  return std::unique_ptr<AzureRestClient>(
      new AzureRestClient(loop, clock, endpoint, std::move(*pool), std::move(credentials)));
}

AzureRestClient::AzureRestClient(EventLoop& loop, Clock& clock, StorageEndpoint endpoint,
                                 std::unique_ptr<RemoteClientPool> pool,
                                 AzureCredentials credentials)
    : loop_(loop),
      clock_(clock),
      endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      timeout_(kDefaultTimeout),
      state_(std::make_shared<State>(clock, std::move(pool))) {}

AzureRestClient::~AzureRestClient() {
  // Calls in flight are cancelled (their callbacks are dropped) and their deadlines go, now
  // that the clock surely still exists.
  std::unordered_set<std::shared_ptr<Pending>> pending;
  {
    std::lock_guard lock(state_->mu);
    pending.swap(state_->pending);
  }
  for (const auto& p : pending) {
    std::shared_ptr<HttpCall> call;
    {
      std::lock_guard lock(p->mu);
      clock_.Cancel(p->timer);
      p->timer = kNoTimer;
      call = p->call.lock();
    }
    if (call) call->Cancel(Unavailable("the storage client was closed"));
  }
  state_->pool->CloseIdle();
}

std::string AzureRestClient::Describe() const {
  return "Azure Storage account '" + account() + "' (" + endpoint_.ToString() + ")";
}

void AzureRestClient::Post(std::function<void()> fn) {
  loop_.Post([weak = std::weak_ptr<State>(state_), fn = std::move(fn)] {
    if (weak.lock()) fn();
  });
}

Status AzureRestClient::ErrorStatus(const HttpResponse& response, std::string_view what) const {
  return AzureErrorStatus(ParseAzureError(response), account(), endpoint_.ToString(), what,
                          credentials_.is_sas());
}

void AzureRestClient::Send(AzureRequest request, Callback done) {
  HttpRequest http;
  http.method = std::move(request.method);
  http.target = endpoint_.path_prefix + request.path;
  if (http.target.empty()) http.target = "/";
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    http.target += sep;
    http.target += PercentEncode(name);
    http.target += '=';
    http.target += PercentEncode(value);
    sep = '&';
  }
  http.headers = std::move(request.headers);
  http.headers.push_back({"Host", HostHeader(endpoint_)});
  http.headers.push_back({"x-ms-date", FormatRfc1123(clock_.WallNow())});
  http.headers.push_back({"x-ms-version", std::string(kAzureStorageApiVersion)});
  http.body = std::move(request.body);
  credentials_.Authorize(http);

  auto pending = std::make_shared<Pending>();
  std::string account_note = " (storage account '" + account() + "')";
  std::string timeout_message =
      Describe() + " did not answer within " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout_).count()) + " s";
  std::weak_ptr<State> weak = state_;
  auto on_response = [weak, pending, account_note,
                      done = std::move(done)](StatusOr<HttpResponse> result) mutable {
    auto state = weak.lock();
    if (!state) return;  // the client is gone: drop
    {
      std::lock_guard lock(state->mu);
      if (state->pending.erase(pending) == 0) return;  // cancelled by the destructor
    }
    {
      std::lock_guard lock(pending->mu);
      state->clock.Cancel(pending->timer);
    }
    if (!result.ok() && result.status().code() != StatusCode::kDeadlineExceeded) {
      // The pool's message names the endpoint; add the account.
      Status s = result.status();
      return done(Status(s.code(), s.message() + account_note));
    }
    done(std::move(result));
  };
  {
    std::lock_guard lock(state_->mu);
    state_->pending.insert(pending);
  }
  auto call = state_->pool->Send(std::move(http), std::move(on_response));
  std::lock_guard lock(pending->mu);
  pending->call = call;
  pending->timer = clock_.Schedule(timeout_, [pending, timeout_message] {
    std::shared_ptr<HttpCall> c;
    {
      std::lock_guard inner(pending->mu);
      c = pending->call.lock();
    }
    if (c) c->Cancel(DeadlineExceeded(timeout_message));
  });
}

}  // namespace squall
