#include "http/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/asio_context.h"
#include "core/log.h"
#include "http/beast_convert.h"
#include "http/wire_format.h"

namespace squall {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

class Session;

// The open connections and their deadlines. A plain socket plus one periodic sweep costs less
// per request than a timer armed and cancelled around every read and write.
struct SessionRegistry {
  std::mutex mu;
  std::unordered_set<Session*> sessions;
  std::atomic<ConnectionSteering*> steering{nullptr};  // nulled when the server goes
  std::atomic<bool> returning{false};                   // ReturnDirectConnections
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpHandler& handler, const HttpServerOptions& options,
          Clock& clock, std::shared_ptr<SessionRegistry> registry, bool direct = false,
          std::string_view pending = {})
      : socket_(std::move(socket)), handler_(handler), options_(options), clock_(clock),
        registry_(std::move(registry)), direct_(direct) {
    if (!pending.empty()) {
      auto into = buffer_.prepare(pending.size());
      std::memcpy(into.data(), pending.data(), pending.size());
      buffer_.commit(pending.size());
    }
    std::lock_guard lock(registry_->mu);
    registry_->sessions.insert(this);
  }

  ~Session() {
    {
      std::lock_guard lock(registry_->mu);
      registry_->sessions.erase(this);
    }
    if (direct_ && !detached_) {
      if (auto* steering = registry_->steering.load()) steering->DirectClosed();
    }
  }

  bool direct() const { return direct_; }

  // ReturnDirectConnections: a direct connection waiting for a request leaves now.
  void RequestReturn() {
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      if (self->detached_ || !self->waiting_header_) return;  // returns after its response
      self->return_requested_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);  // OnHeader sees operation_aborted, or the request it read
    });
  }

  void Start() {
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called by the sweep (registry lock held): true when this connection is past its deadline.
  bool Expired(MonoTime now) const {
    auto d = deadline_.load(std::memory_order_relaxed);
    return d != 0 && now.time_since_epoch().count() >= d;
  }

  void CloseFromSweep() {
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      // Checked again on the connection's own executor: it may have moved on meanwhile.
      if (!self->Expired(self->clock_.Now())) return;
      LogDebug("Http", "closing a connection that missed its deadline");
      self->Close();
    });
  }

 private:
  void SetDeadline(Duration d) {
    deadline_.store((clock_.Now() + d).time_since_epoch().count(), std::memory_order_relaxed);
  }
  void ClearDeadline() { deadline_.store(0, std::memory_order_relaxed); }

  void ReadHeader() {
    if (direct_ && registry_->returning.load()) {
      if (auto* steering = registry_->steering.load()) {
        if (auto sink = steering->ReturnSink()) return Detach(sink, {});
      }
    }
    waiting_header_ = true;
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    SetDeadline(options_.idle_timeout);
    beast_http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    waiting_header_ = false;
    if (ec == net::error::operation_aborted && return_requested_) {
      return_requested_ = false;
      if (auto* steering = registry_->steering.load()) {
        if (auto sink = steering->ReturnSink()) return Detach(sink, {});
      }
      return ReadHeader();  // nowhere to go: keep serving it
    }
    return_requested_ = false;
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (auto expect = req[beast_http::field::expect];
        !expect.empty() && EqualsIgnoreCase(expect, "100-continue")) {
      // Clients that ask (curl does for large bodies) wait for this before sending the body.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code wec, std::size_t) {
                         if (wec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    SetDeadline(options_.body_timeout);
    beast_http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRequest(ec); });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == beast_http::error::body_limit) {
      return Reply(TextResponse(413, "Request body too large.\n"), /*keep_alive=*/false, 11);
    }
    if (ec == beast_http::error::header_limit) {
      return Reply(TextResponse(431, "Request headers too large.\n"), false, 11);
    }
    if (ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category() &&
        ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
      LogDebug("Http", "malformed request: {}", ec.message());
      return Reply(TextResponse(400, "Malformed HTTP request.\n"), false, 11);
    }
    Close();  // peer closed, reset, or the sweep closed a connection past its deadline
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    ClearDeadline();  // the handler's own deadline (functionTimeout) applies now
    auto msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    version_ = static_cast<int>(msg.version());
    HttpRequest request = FromBeast(std::move(msg));
    // A connection that ends with this request gains nothing from moving, and the request is
    // written again as HTTP/1.1; a direct one is offered every request (it may go back).
    auto* steering = registry_->steering.load();
    if (steering && (direct_ || (keep_alive_ && version_ == 11))) {
      if (auto sink = steering->Steer(request, direct_)) {
        std::string pending = SerializeRequestHead(request);
        if (!keep_alive_) pending.insert(pending.size() - 2, "Connection: close\r\n");
        pending += request.body;
        return Detach(sink, std::move(pending));
      }
    }
    if (direct_) {
      target_ = request.target;
      request_end_ = clock_.Now();
      if (steering) steering->DirectStarted();
    }
    // Captures one shared_ptr only, so std::function keeps it inline (no allocation).
    auto responder = [self = shared_from_this()](HttpResponse response) {
      auto exec = self->socket_.get_executor();
      net::dispatch(exec, [self = std::move(self), response = std::move(response)]() mutable {
        self->Reply(std::move(response), self->keep_alive_, self->version_);
      });
    };
    int version = version_;
    try {
      handler_.Handle(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      LogError("Http", "request handler threw: {}", e.what());
      Reply(TextResponse(500, "Internal error.\n"), false, version);
    }
  }

  void Reply(HttpResponse response, bool keep_alive, int version) {
    if (replied_) return;  // a handler bug must not write twice
    replied_ = true;
    if (response.status < 200 || response.status == 204 || response.status == 304) {
      response.body.clear();  // these carry no body
    }
    if (direct_) {
      if (auto* steering = registry_->steering.load()) {
        steering->DirectAnswered(target_, response.status, clock_.Now() - request_end_);
      }
    }
    head_ = SerializeResponseHead(response, version, keep_alive);
    body_ = std::move(response.body);
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    SetDeadline(options_.body_timeout);
    net::async_write(socket_, buffers,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->replied_ = false;
                       if (ec || !keep_alive) return self->Close();
                       self->ReadHeader();
                     });
  }

  // Hands the socket, and what was read from it but not answered, to `sink`.
  void Detach(const ConnectionSteering::Sink& sink, std::string pending) {
    ClearDeadline();
    auto data = buffer_.data();
    pending.append(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    beast::error_code ec;
    int fd = socket_.release(ec);
    if (ec || fd < 0) {
      LogWarn("Http", "cannot hand a connection over: {}", ec.message());
      return Close();
    }
    detached_ = true;
    sink(DetachedConnection{fd, std::move(pending)});
  }

  void Close() {
    ClearDeadline();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  HttpHandler& handler_;
  const HttpServerOptions& options_;
  Clock& clock_;
  std::shared_ptr<SessionRegistry> registry_;
  std::atomic<Duration::rep> deadline_{0};  // Clock::Now() ticks; 0 = none
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::string head_;
  std::string body_;
  bool keep_alive_ = true;  // of the request being answered
  int version_ = 11;
  bool replied_ = false;
  // Steering (members below are touched on the connection's executor only).
  const bool direct_;
  bool detached_ = false;          // the socket went to another process
  bool waiting_header_ = false;    // parked in async_read_header
  bool return_requested_ = false;  // RequestReturn cancelled that read
  std::string target_;             // direct: of the request being answered
  MonoTime request_end_{};
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(EventLoop::Impl& loop_, Clock& clock_, HttpHandler& handler_, HttpServerOptions options_)
      : loop(loop_), clock(clock_), acceptor(loop_.io), handler(handler_),
        options(std::move(options_)), registry(std::make_shared<SessionRegistry>()) {}

  void Accept() {
    acceptor.async_accept(ConnectionExecutor(loop), [self = shared_from_this()](
                                                        beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        LogWarn("Http", "accept failed: {}", ec.message());
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), self->handler, self->options, self->clock,
                                  self->registry)
            ->Start();
      }
      self->Accept();
    });
  }

  void ScheduleSweep() {
    std::weak_ptr<Impl> weak = weak_from_this();
    sweep_timer = clock.Schedule(options.sweep_interval, [weak] {
      if (auto self = weak.lock()) self->Sweep();
    });
  }

  void Sweep() {
    MonoTime now = clock.Now();
    std::vector<std::shared_ptr<Session>> expired;
    {
      std::lock_guard lock(registry->mu);
      for (Session* s : registry->sessions) {
        if (!s->Expired(now)) continue;
        // A session being destroyed is still listed until its destructor takes the lock.
        if (auto strong = s->weak_from_this().lock()) expired.push_back(std::move(strong));
      }
    }
    for (auto& s : expired) s->CloseFromSweep();
    if (!closed) ScheduleSweep();
  }

  EventLoop::Impl& loop;
  Clock& clock;
  tcp::acceptor acceptor;
  HttpHandler& handler;
  HttpServerOptions options;
  std::shared_ptr<SessionRegistry> registry;
  TimerId sweep_timer = kNoTimer;
  std::atomic<bool> closed{false};
};

HttpServer::HttpServer(EventLoop& loop, Clock& clock, HttpHandler& handler,
                       HttpServerOptions options)
    : impl_(std::make_shared<Impl>(loop.impl(), clock, handler, std::move(options))) {}

HttpServer::~HttpServer() {
  Close();
  impl_->registry->steering.store(nullptr);
  impl_->clock.Cancel(impl_->sweep_timer);
}

void HttpServer::SetSteering(ConnectionSteering* steering) {
  impl_->registry->steering.store(steering);
}

void HttpServer::Adopt(DetachedConnection connection, bool direct) {
  auto& impl = *impl_;
  tcp::socket socket(ConnectionExecutor(impl.loop));
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  beast::error_code ec;
  if (::getsockname(connection.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ec = beast::error_code(errno, boost::system::system_category());
  } else {
    socket.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), connection.fd, ec);
  }
  if (ec) {
    LogWarn("Http", "cannot take over a connection: {}", ec.message());
    ::close(connection.fd);
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  if (impl.sweep_timer == kNoTimer && !impl.closed) impl.ScheduleSweep();
  std::make_shared<Session>(std::move(socket), impl.handler, impl.options, impl.clock,
                            impl.registry, direct, connection.pending)
      ->Start();
}

void HttpServer::ReturnDirectConnections(bool on) {
  impl_->registry->returning.store(on);
  if (!on) return;
  std::vector<std::shared_ptr<Session>> direct;
  {
    std::lock_guard lock(impl_->registry->mu);
    for (Session* s : impl_->registry->sessions) {
      if (!s->direct()) continue;
      if (auto strong = s->weak_from_this().lock()) direct.push_back(std::move(strong));
    }
  }
  for (auto& s : direct) s->RequestReturn();
}

StatusOr<int> HttpServer::Listen(const std::string& address, int port) {
  beast::error_code ec;
  auto addr = net::ip::make_address(address, ec);
  if (ec) return InvalidArgument("not an IP address: " + address);
  tcp::endpoint endpoint(addr, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acc.close(ec);
    return Unavailable("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                       ec.message());
  }
  int bound = acc.local_endpoint().port();
  impl_->Accept();
  impl_->ScheduleSweep();
  return bound;
}

void HttpServer::Close() {
  impl_->closed = true;
  net::dispatch(impl_->loop.io, [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
}

}  // namespace squall
