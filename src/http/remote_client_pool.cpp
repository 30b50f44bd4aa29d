#include "http/remote_client_pool.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <mutex>
#include <optional>
#include <vector>

#include "core/asio_context.h"
#include "http/beast_convert.h"
#include "http/tls_client.h"
#include "http/wire_format.h"

namespace squall {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// A response body larger than this from a remote server is an error, not an allocation.
constexpr std::uint64_t kMaxRemoteBody = 64ull * 1024 * 1024;

// One connection: a plain socket, or a TLS stream over one. Its operations run on `executor`
// (a strand when the loop has several threads).
struct RemoteConnection {
  RemoteConnection(net::any_io_executor ex, ssl::context* tls_context) : executor(ex) {
    if (tls_context) {
      tls.emplace(ex, *tls_context);
    } else {
      plain.emplace(ex);
    }
  }
  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  template <typename F>
  void WithStream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  net::any_io_executor executor;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
};

struct RemoteClientPool::Impl {
  Impl(EventLoop::Impl& loop_, RemoteEndpointOptions options_)
      : loop(loop_), options(std::move(options_)) {}

  std::unique_ptr<RemoteConnection> TakeIdle() {
    std::lock_guard lock(mu);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }

  void GiveBack(std::unique_ptr<RemoteConnection> c) {
    std::lock_guard lock(mu);
    if (closed || idle.size() >= options.max_idle) return;
    idle.push_back(std::move(c));
  }

  EventLoop::Impl& loop;
  RemoteEndpointOptions options;
  std::optional<net::ip::address> address;  // the host is an IP address: no DNS
  std::shared_ptr<ssl::context> tls;        // null: plain http
  std::string host_header;
  std::mutex mu;
  bool closed = false;
  std::vector<std::unique_ptr<RemoteConnection>> idle;
};

namespace {

class RemoteCall : public HttpCall, public std::enable_shared_from_this<RemoteCall> {
 public:
  RemoteCall(std::shared_ptr<RemoteClientPool::Impl> pool, HttpRequest&& request,
             RemoteClientPool::Callback callback)
      : pool_(std::move(pool)), callback_(std::move(callback)) {
    if (!request.FindHeader("Host")) request.headers.push_back({"Host", pool_->host_header});
    head_ = SerializeRequestHead(request);
    body_ = std::move(request.body);
  }

  // Every step runs on executor_, the first one posted: the callback never runs inside Send.
  void Start() {
    conn_ = pool_->TakeIdle();
    reused_ = conn_ != nullptr;
    executor_ = conn_ ? conn_->executor : ConnectionExecutor(pool_->loop);
    net::post(executor_, [self = shared_from_this()] { self->Begin(); });
  }

  void Cancel(Status why) override {
    {
      std::lock_guard lock(mu_);
      if (finished_ || cancel_status_) return;
      cancel_status_ = std::move(why);
    }
    // Closing the socket (or cancelling the lookup) completes the pending operation with
    // operation_aborted, which finishes the call with the status above.
    net::post(executor_, [self = shared_from_this()] { self->Abort(); });
  }

 private:
  const std::string& peer() const { return pool_->options.peer_name; }
  const std::string& host() const { return pool_->options.host; }

  void Begin() {
    if (Cancelled()) return Finish(*CancelStatus());
    if (conn_) return Write();
    Resolve();
  }

  void Abort() {
    if (resolver_) resolver_->cancel();
    if (conn_) {
      beast::error_code ignored;
      conn_->socket().close(ignored);
    }
  }

  void Resolve() {
    if (pool_->address) {
      endpoints_ = {tcp::endpoint(*pool_->address, static_cast<unsigned short>(port()))};
      return Connect();
    }
    // Asio resolves on its own thread: the loop never waits for DNS.
    resolver_.emplace(executor_);
    resolver_->async_resolve(
        host(), std::to_string(port()), tcp::resolver::numeric_service,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec || results.empty()) {
            return self->Finish(
                self->NotSent("cannot resolve '" + self->host() + "' (" + self->peer() + ")",
                              ec ? ec.message() : "no address"));
          }
          self->endpoints_.assign(results.begin(), results.end());
          self->Connect();
        });
  }

  void Connect() {
    conn_ = std::make_unique<RemoteConnection>(executor_, pool_->tls.get());
    if (Cancelled()) return Finish(*CancelStatus());
    net::async_connect(
        conn_->socket(), endpoints_,
        [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (ec) {
            return self->Finish(self->NotSent("cannot connect to " + self->peer(), ec.message()));
          }
          beast::error_code ignored;
          self->conn_->socket().set_option(tcp::no_delay(true), ignored);
          if (self->conn_->tls) return self->Handshake();
          self->Write();
        });
  }

  void Handshake() {
    SSL* ssl = conn_->tls->native_handle();
    Status prepared = PrepareTlsConnection(ssl, host(), pool_->address.has_value());
    if (!prepared.ok()) {
      return Finish(NotSent("cannot make a TLS connection to " + peer(), prepared.message()));
    }
    conn_->tls->async_handshake(
        ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            SSL* handle = self->conn_->tls->native_handle();
            return self->Finish(self->NotSent("cannot make a TLS connection to " + self->peer(),
                                              DescribeTlsFailure(ec, handle, self->host())));
          }
          self->Write();
        });
  }

  void Write() {
    if (Cancelled()) return Finish(*CancelStatus());
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    conn_->WithStream([&](auto& stream) {
      net::async_write(stream, buffers,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->RetryOrFail(ec);
                         self->Read();
                       });
    });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRemoteBody);
    parser_->header_limit(1024 * 1024);
    conn_->WithStream([&](auto& stream) {
      beast_http::async_read(
          stream, conn_->buffer, *parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            if (ec) {
              if (n == 0) return self->RetryOrFail(ec);
              return self->Finish(self->AfterSent("bad response from " + self->peer(), ec));
            }
            self->OnResponse();
          });
    });
  }

  void RetryOrFail(beast::error_code ec) {
    // The server may have closed an idle keep-alive connection just before we used it.
    if (reused_ && !Cancelled() &&
        (ec == beast_http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated)) {
      reused_ = false;
      conn_.reset();
      return Resolve();
    }
    Finish(AfterSent(peer() + " closed the connection without answering", ec));
  }

  void OnResponse() {
    auto msg = parser_->release();
    bool keep_alive = msg.keep_alive();
    HttpResponse response = FromBeast(std::move(msg));
    if (keep_alive && !Cancelled()) pool_->GiveBack(std::move(conn_));
    Finish(std::move(response));
  }

  // Before the request was written: kUnavailable, so the caller may send it again.
  Status NotSent(const std::string& what, const std::string& why) {
    if (auto cancelled = CancelStatus()) return *cancelled;
    return Unavailable(what + ": " + why);
  }
  Status AfterSent(const std::string& what, beast::error_code ec) {
    if (auto cancelled = CancelStatus()) return *cancelled;
    return Internal(what + ": " + ec.message());
  }

  bool Cancelled() {
    std::lock_guard lock(mu_);
    return cancel_status_.has_value();
  }
  std::optional<Status> CancelStatus() {
    std::lock_guard lock(mu_);
    return cancel_status_;
  }

  void Finish(StatusOr<HttpResponse> result) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    auto cb = std::move(callback_);
    cb(std::move(result));
  }

  int port() const { return pool_->options.port; }

  std::shared_ptr<RemoteClientPool::Impl> pool_;
  RemoteClientPool::Callback callback_;
  std::string head_;
  std::string body_;
  net::any_io_executor executor_;
  std::optional<tcp::resolver> resolver_;
  std::vector<tcp::endpoint> endpoints_;
  std::unique_ptr<RemoteConnection> conn_;
  std::optional<beast_http::response_parser<beast_http::string_body>> parser_;
  bool reused_ = false;
  std::mutex mu_;
  bool finished_ = false;
  std::optional<Status> cancel_status_;
};

std::string HostHeader(const RemoteEndpointOptions& o) {
  bool default_port = (o.tls && o.port == 443) || (!o.tls && o.port == 80);
  std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  return default_port ? host : host + ":" + std::to_string(o.port);
}

}  // namespace

StatusOr<std::unique_ptr<RemoteClientPool>> RemoteClientPool::Create(
    EventLoop& loop, RemoteEndpointOptions options) {
  if (options.host.empty()) return InvalidArgument("RemoteClientPool: no host");
  if (options.port < 1 || options.port > 65535) {
    return InvalidArgument("RemoteClientPool: invalid port " + std::to_string(options.port));
  }
  auto impl = std::make_shared<Impl>(loop.impl(), std::move(options));
  boost::system::error_code ec;
  auto address = net::ip::make_address(impl->options.host, ec);
  if (!ec) impl->address = address;
  if (impl->options.tls) {
    auto context = MakeTlsClientContext(impl->options.ca_file);
    if (!context.ok()) {
      return Status(context.status().code(),
                    impl->options.peer_name + ": " + context.status().message());
    }
    impl->tls = std::move(*context);
  }
  impl->host_header = HostHeader(impl->options);
  return std::unique_ptr<RemoteClientPool>(new RemoteClientPool(std::move(impl)));
}

RemoteClientPool::RemoteClientPool(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

RemoteClientPool::~RemoteClientPool() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->closed = true;  // calls still in flight do not keep their connections
  }
  CloseIdle();
}

std::shared_ptr<HttpCall> RemoteClientPool::Send(HttpRequest request, Callback callback) {
  auto call = std::make_shared<RemoteCall>(impl_, std::move(request), std::move(callback));
  call->Start();
  return call;
}

void RemoteClientPool::CloseIdle() {
  std::vector<std::unique_ptr<RemoteConnection>> idle;
  {
    std::lock_guard lock(impl_->mu);
    idle.swap(impl_->idle);
  }
  // An idle connection has no operation pending: it can be closed here, on any thread.
  for (auto& c : idle) {
    beast::error_code ignored;
    c->socket().close(ignored);
  }
}

}  // namespace squall
