// bench-handler: a minimal, fast Azure Functions custom handler used as the worker in
// benchmarks. It answers every request with a constant response:
//
//  - invocation (JSON protocol): POST /{FunctionName} with Content-Type application/json
//    -> 200 {"Outputs":{"res":{"statusCode":200,"body":"ok"}},"Logs":[],"ReturnValue":null}
//  - anything else (forwarding mode, or direct benchmarking: GET/POST /api/bench?x=1 ...)
//    -> 200 text/plain "ok"
//
// Listens on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT, or on the port given by `--port N`.
// Threads: $BENCH_HANDLER_THREADS or `--threads N` (default 1). Each thread runs its own
// io_context; accepted connections are spread over them round robin. Keep-alive is
// honoured. SIGINT/SIGTERM stop it cleanly.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kInvocationBody =
    R"({"Outputs":{"res":{"statusCode":200,"body":"ok"}},"Logs":[],"ReturnValue":null})";
constexpr std::string_view kForwardBody = "ok";

// An invocation from the host: POST to a single path segment ("/bench"), JSON body.
bool is_invocation(const http::request<http::string_body>& req) {
  if (req.method() != http::verb::post) return false;
  std::string_view target = req.target();
  if (target.size() < 2 || target.front() != '/') return false;
  if (target.substr(1).find_first_of("/?") != std::string_view::npos) return false;
  std::string_view ctype = req[http::field::content_type];
  return ctype.substr(0, 16) == "application/json";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    read();
  }

 private:
  void read() {
    req_ = {};
    http::async_read(socket_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {  // end_of_stream, reset, bad request: just drop the connection
      close();
      return;
    }
    res_ = {};
    res_.version(req_.version());
    res_.result(http::status::ok);
    res_.keep_alive(req_.keep_alive());
    if (is_invocation(req_)) {
      res_.set(http::field::content_type, "application/json");
      res_.body().assign(kInvocationBody);
    } else {
      res_.set(http::field::content_type, "text/plain; charset=utf-8");
      res_.body().assign(kForwardBody);
    }
    res_.prepare_payload();
    http::async_write(socket_, res_,
                      [self = shared_from_this()](beast::error_code wec, std::size_t) { self->on_write(wec); });
  }

  void on_write(beast::error_code ec) {
    if (ec || !res_.keep_alive()) {
      close();
      return;
    }
    read();
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

class Server {
 public:
  Server(std::vector<std::unique_ptr<asio::io_context>>& contexts, unsigned short port)
      : contexts_(contexts), acceptor_(*contexts.front()) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    accept();
  }

  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void accept() {
    asio::io_context& target = *contexts_[next_++ % contexts_.size()];
    acceptor_.async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        // Start the session on the thread that owns the socket's io_context.
        auto ex = socket.get_executor();
        asio::post(ex, [session = std::make_shared<Session>(std::move(socket))] { session->start(); });
      }
      accept();
    });
  }

  std::vector<std::unique_ptr<asio::io_context>>& contexts_;
  tcp::acceptor acceptor_;
  std::size_t next_ = 0;
};

int parse_int(const char* s, const char* what) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v <= 0 || v > 65535) {
    std::fprintf(stderr, "bench-handler: invalid %s: '%s'\n", what, s);
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 1;
  if (const char* p = std::getenv("FUNCTIONS_CUSTOMHANDLER_PORT"); p && *p) port = parse_int(p, "port");
  if (const char* t = std::getenv("BENCH_HANDLER_THREADS"); t && *t) threads = parse_int(t, "thread count");
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = parse_int(argv[++i], "port");
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = parse_int(argv[++i], "thread count");
    } else {
      std::fprintf(stderr,
                   "usage: bench-handler [--port N] [--threads N]\n"
                   "  port defaults to $FUNCTIONS_CUSTOMHANDLER_PORT, threads to $BENCH_HANDLER_THREADS or 1\n");
      return 2;
    }
  }
  if (port == 0) {
    std::fprintf(stderr, "bench-handler: no port (set FUNCTIONS_CUSTOMHANDLER_PORT or pass --port N)\n");
    return 2;
  }

  try {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    Server server(contexts, static_cast<unsigned short>(port));

    asio::signal_set signals(*contexts.front(), SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
      server.stop();
      for (auto& c : contexts) c->stop();
    });

    // Keep the extra contexts running while they have no connections yet.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (auto& c : contexts) guards.push_back(asio::make_work_guard(*c));

    std::fprintf(stderr, "bench-handler: listening on 127.0.0.1:%d with %d thread(s)\n", port, threads);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&contexts, i] { contexts[i]->run(); });
    contexts.front()->run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-handler: %s\n", e.what());
    return 1;
  }
  return 0;
}
