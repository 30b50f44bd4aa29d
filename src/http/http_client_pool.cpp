#include "http/http_client_pool.h"

#include <array>
#include <atomic>
#include <boost/asio/write.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <mutex>
#include <optional>
#include <vector>

#include "core/asio_context.h"
#include "http/beast_convert.h"
#include "http/wire_format.h"

namespace squall {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// A plain socket: calls have no I/O deadline of their own (the caller's timeout cancels them).
struct Connection {
  explicit Connection(EventLoop::Impl& loop) : socket(ConnectionExecutor(loop)) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
};

struct HttpClientPool::Impl : std::enable_shared_from_this<HttpClientPool::Impl> {
  Impl(EventLoop::Impl& loop_, std::string host_, int port_, std::size_t max_idle_,
       std::string peer_)
      : loop(loop_), peer(std::move(peer_)), host(std::move(host_)), port(port_), max_idle(max_idle_),
        endpoint(net::ip::make_address(host), static_cast<unsigned short>(port_)) {}

  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard lock(mu);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }

  void GiveBack(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu);
    if (closed || idle.size() >= max_idle) return;
    idle.push_back(std::move(c));
  }

  EventLoop::Impl& loop;
  std::string peer;
  std::string host;
  int port;
  std::size_t max_idle;
  tcp::endpoint endpoint;
  std::mutex mu;
  bool closed = false;
  std::vector<std::unique_ptr<Connection>> idle;
};

namespace {

class Call : public HttpCall, public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<HttpClientPool::Impl> pool, HttpRequest&& request,
       HttpClientPool::Callback callback)
      : pool_(std::move(pool)), callback_(std::move(callback)) {
    if (!request.FindHeader("Host")) {
      request.headers.push_back({"Host", pool_->host + ":" + std::to_string(pool_->port)});
    }
    head_ = SerializeRequestHead(request);
    body_ = std::move(request.body);
  }

  void Start() {
    conn_ = pool_->TakeIdle();
    reused_ = conn_ != nullptr;
    connected_ = reused_;
    if (!conn_) return Connect();
    // On one loop thread the caller is already where the connection's operations run: no
    // dispatch through the type-erased executor (it shows in the front door's profile).
    if (pool_->loop.threads <= 1) return Write();
    net::dispatch(conn_->socket.get_executor(), [self = shared_from_this()] { self->Write(); });
  }

  void Cancel(Status why) override {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      cancel_status_ = std::move(why);
    }
    // Closing the socket makes the pending operation complete with operation_aborted.
    auto conn = conn_ptr_.load();
    if (conn) {
      net::dispatch(conn->socket.get_executor(), [self = shared_from_this(), conn] {
        beast::error_code ignored;
        conn->socket.close(ignored);
      });
    }
  }

 private:
  void Connect() {
    conn_ = std::make_unique<Connection>(pool_->loop);
    conn_ptr_ = conn_.get();
    if (Cancelled()) return Finish(*cancel_status_);
    conn_->socket.async_connect(pool_->endpoint,
                                [self = shared_from_this()](beast::error_code ec) {
                                  if (ec) {
                                    return self->Finish(self->ErrorStatus(
                                        ec, "cannot connect to " + self->pool_->peer));
                                  }
                                  self->connected_ = true;
                                  beast::error_code ignored;
                                  self->conn_->socket.set_option(tcp::no_delay(true),
                                                                          ignored);
                                  self->Write();
                                });
  }

  void Write() {
    conn_ptr_ = conn_.get();
    if (Cancelled()) return Finish(*cancel_status_);
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(conn_->socket, buffers,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->RetryOrFail(ec);
                       self->Read();
                     });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(boost::none);
    parser_->header_limit(1024 * 1024);
    beast_http::async_read(conn_->socket, conn_->buffer, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                             if (ec) {
                               if (n == 0) return self->RetryOrFail(ec);
                               return self->Finish(
                                   self->ErrorStatus(ec, "bad response from " + self->pool_->peer));
                             }
                             self->OnResponse();
                           });
  }

  void RetryOrFail(beast::error_code ec) {
    // The peer may have closed an idle keep-alive connection just before we used it.
    if (reused_ && !Cancelled() &&
        (ec == beast_http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe)) {
      reused_ = false;
      connected_ = false;
      return Connect();
    }
    Finish(ErrorStatus(ec, pool_->peer + " closed the connection without answering"));
  }

  void OnResponse() {
    auto msg = parser_->release();
    bool keep_alive = msg.keep_alive();
    HttpResponse response = FromBeast(std::move(msg));
    if (keep_alive && !Cancelled()) {
      conn_ptr_ = nullptr;
      pool_->GiveBack(std::move(conn_));
    }
    Finish(std::move(response));
  }

  // kUnavailable only when the request cannot have reached the peer (the connection was never
  // made), so the caller may safely send it again; anything after that is kInternal.
  Status ErrorStatus(beast::error_code ec, const std::string& what) {
    if (Cancelled()) return *cancel_status_;
    if (ec == net::error::connection_refused && !connected_) {
      return Unavailable(what + ": " + ec.message());
    }
    return Internal(what + ": " + ec.message());
  }

  bool Cancelled() {
    std::lock_guard lock(mu_);
    return cancel_status_.has_value();
  }

  void Finish(StatusOr<HttpResponse> result) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    conn_ptr_ = nullptr;
    auto cb = std::move(callback_);
    cb(std::move(result));
  }

  std::shared_ptr<HttpClientPool::Impl> pool_;
  HttpClientPool::Callback callback_;
  std::string head_;
  std::string body_;
  std::optional<beast_http::response_parser<beast_http::string_body>> parser_;
  std::unique_ptr<Connection> conn_;
  std::atomic<Connection*> conn_ptr_{nullptr};
  bool reused_ = false;
  bool connected_ = false;  // a fresh connection was made (reused ones count as made)
  std::mutex mu_;
  bool finished_ = false;
  std::optional<Status> cancel_status_;
};

}  // namespace

HttpClientPool::HttpClientPool(EventLoop& loop, std::string host, int port, std::size_t max_idle,
                               std::string peer_name)
    : impl_(std::make_shared<Impl>(loop.impl(), std::move(host), port, max_idle,
                                   std::move(peer_name))) {}

HttpClientPool::~HttpClientPool() { CloseIdle(); }

std::shared_ptr<HttpCall> HttpClientPool::Send(HttpRequest request, Callback callback) {
  auto call = std::make_shared<Call>(impl_, std::move(request), std::move(callback));
  call->Start();
  return call;
}

void HttpClientPool::CloseIdle() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(impl_->mu);
    idle.swap(impl_->idle);
  }
  // An idle connection has no operation pending, so it can be closed here, on any thread, and
  // also after the loop has stopped.
  for (auto& c : idle) {
    beast::error_code ignored;
    c->socket.close(ignored);
  }
}

const std::string& HttpClientPool::host() const { return impl_->host; }
int HttpClientPool::port() const { return impl_->port; }

}  // namespace squall
