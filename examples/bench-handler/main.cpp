// bench-handler: a minimal, fast Azure Functions custom handler used as the worker in
// benchmarks. It answers every request with a constant response:
//
//  - invocation (JSON protocol): POST /{FunctionName} with Content-Type application/json
//    -> 200 {"Outputs":{"res":{"statusCode":200,"body":"ok"}},"Logs":[],"ReturnValue":null}
//  - the queue function (JSON protocol): POST /qbench (examples/bench-handler/app-queue, queue
//    trigger binding "msg") -> 200 {"Outputs":{},"Logs":[],"ReturnValue":null}. When the message
//    text is "<seq>:<send time, ns since the epoch>" (bench/queue.sh and bench/queue_fill) and
//    $BENCH_QUEUE_LOG names a file, a line "<seq> <receive time ns>" is appended to it for each
//    invocation (CLOCK_REALTIME, the clock the sender read: same machine), so the benchmark can
//    compute enqueue-to-invocation latency. Lines are buffered and written every
//    $BENCH_QUEUE_LOG_FLUSH_MS milliseconds (default 100; 0 = one write(2) per line), and at exit.
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

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
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
// With $BENCH_HANDLER_TAG=1 the HTTP answer also carries "X-Bench-Worker: <pid>", so that a
// benchmark client can tell which instance answered (bench/coldstart.sh's premium burst).
std::string g_invocation_body(kInvocationBody);
constexpr std::string_view kForwardBody = "ok";
constexpr std::string_view kQueueBody = R"({"Outputs":{},"Logs":[],"ReturnValue":null})";
constexpr std::string_view kQueueFunction = "/qbench";

// The receive log of the queue function (see the top of the file). Thread-safe.
class QueueLog {
 public:
  ~QueueLog() { Close(); }

  // Opens $BENCH_QUEUE_LOG (append); false when unset.
  bool Open() {
    const char* path = std::getenv("BENCH_QUEUE_LOG");
    if (path == nullptr || *path == '\0') return false;
    fd_ = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::fprintf(stderr, "bench-handler: cannot open BENCH_QUEUE_LOG '%s'\n", path);
      return false;
    }
    if (const char* ms = std::getenv("BENCH_QUEUE_LOG_FLUSH_MS"); ms && *ms) {
      flush_ms_ = std::atoi(ms);
    }
    return true;
  }
  bool open() const { return fd_ >= 0; }
  int flush_ms() const { return flush_ms_; }

  // The message text from the invocation body {"Data":{"msg":"<seq>:<ns>"},...}: logs
  // "<seq> <now ns>" when it has that shape.
  void Record(std::string_view body, std::int64_t received_ns) {
    if (fd_ < 0) return;
    constexpr std::string_view kKey = R"("msg":")";
    std::size_t at = body.find(kKey);
    if (at == std::string_view::npos) return;
    std::string_view text = body.substr(at + kKey.size());
    std::uint64_t seq = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
    if (ec != std::errc() || end == text.data() || end == text.data() + text.size() ||
        *end != ':') {
      return;
    }
    char line[48];
    int n = std::snprintf(line, sizeof line, "%llu %lld\n", static_cast<unsigned long long>(seq),
                          static_cast<long long>(received_ns));
    if (flush_ms_ <= 0) {
      WriteAll(line, static_cast<std::size_t>(n));
      return;
    }
    std::lock_guard lock(mu_);
    buffer_.append(line, static_cast<std::size_t>(n));
  }

  void Flush() {
    std::string out;
    {
      std::lock_guard lock(mu_);
      out.swap(buffer_);
    }
    if (!out.empty()) WriteAll(out.data(), out.size());
  }

  void Close() {
    if (fd_ < 0) return;
    Flush();
    ::close(fd_);
    fd_ = -1;
  }

 private:
  void WriteAll(const char* data, std::size_t size) {
    while (size > 0) {
      ssize_t w = ::write(fd_, data, size);
      if (w <= 0) return;
      data += w;
      size -= static_cast<std::size_t>(w);
    }
  }

  int fd_ = -1;
  int flush_ms_ = 100;
  std::mutex mu_;
  std::string buffer_;
};

QueueLog g_queue_log;

std::int64_t RealtimeNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Writes the queue log every flush_ms() on the first io_context.
class QueueLogFlusher {
 public:
  QueueLogFlusher(asio::io_context& io, QueueLog& log) : timer_(io), log_(log) {}
  void Start() {
    if (!log_.open() || log_.flush_ms() <= 0) return;
    timer_.expires_after(std::chrono::milliseconds(log_.flush_ms()));
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      log_.Flush();
      Start();
    });
  }
  void Stop() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  QueueLog& log_;
};

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
      if (req_.target() == kQueueFunction) {
        g_queue_log.Record(req_.body(), RealtimeNs());
        res_.body().assign(kQueueBody);
      } else {
        res_.body().assign(g_invocation_body);
      }
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

  if (const char* tag = std::getenv("BENCH_HANDLER_TAG"); tag && std::string_view(tag) == "1")
    g_invocation_body =
        R"({"Outputs":{"res":{"statusCode":200,"body":"ok","headers":{"X-Bench-Worker":")" +
        std::to_string(getpid()) + R"("}}},"Logs":[],"ReturnValue":null})";
  try {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    Server server(contexts, static_cast<unsigned short>(port));
    g_queue_log.Open();
    QueueLogFlusher flusher(*contexts.front(), g_queue_log);
    flusher.Start();

    asio::signal_set signals(*contexts.front(), SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
      server.stop();
      flusher.Stop();
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
    g_queue_log.Close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-handler: %s\n", e.what());
    return 1;
  }
  return 0;
}
