// burst_client: times the leading edge of a burst of new HTTP connections, for
// bench/coldstart.sh's premium part. curl --parallel drives all its transfers from one thread,
// so its time for the first request also counts the work curl does for the 63 others (measured:
// ~0.5 ms of a plain host's "first request added"); here the first request has a thread to
// itself and is timed from its write to the last byte of its answer.
//
//   burst_client --port P [--path /api/bench] [--warm 99] [--fresh 10] [--connections 64]
//
// In this order:
//   warm   one keep-alive connection, one untimed request then --warm timed ones, one at a time;
//   fresh  --fresh times: a new connection, one timed request, close (a new connection alone);
//   burst  request 0 on a new connection; as soon as it is written, --connections − 1 more
//          clients connect and send one request each at once (another thread).
// Each time is write → complete answer, in seconds. Prints one JSON object on stdout:
//   {"warm":[s...],"warm_worker":w,"fresh":[s...],"burst":[{"i","status","sent","seconds","worker"}...]}
// where sent is seconds after request 0 was written, worker the answer's X-Bench-Worker header
// (bench-handler's pid with $BENCH_HANDLER_TAG=1), or "". A failed client has status -1.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.h"
#include "core/real_clock.h"

namespace squall {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct Answer {
  int status = 0;
  MonoTime sent{};
  double seconds = 0;
  std::string worker;
};

http::request<http::empty_body> Request(const std::string& path, int i) {
  http::request<http::empty_body> req{http::verb::get, path + "?i=" + std::to_string(i), 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(true);
  return req;
}

Answer Record(const http::response<http::string_body>& res, MonoTime sent, MonoTime done) {
  Answer a;
  a.status = static_cast<int>(res.result_int());
  a.sent = sent;
  a.seconds = std::chrono::duration<double>(done - sent).count();
  if (auto it = res.find("X-Bench-Worker"); it != res.end()) a.worker = std::string(it->value());
  return a;
}

// One request on a connected socket, blocking.
Answer Exchange(const Clock& clock, tcp::socket& socket, const std::string& path, int i) {
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto req = Request(path, i);
  MonoTime sent = clock.Now();
  http::write(socket, req);
  http::read(socket, buffer, res);
  return Record(res, sent, clock.Now());
}

// One client of the burst's tail: connect, send one request, read the answer.
class TailClient : public std::enable_shared_from_this<TailClient> {
 public:
  TailClient(asio::io_context& io, const Clock& clock, tcp::endpoint to, std::string path, int i,
             Answer& out)
      : socket_(io), clock_(clock), to_(to), req_(Request(path, i)), out_(out) {}

  void Start() {
    socket_.async_connect(to_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->Fail();
      self->sent_ = self->clock_.Now();
      http::async_write(
          self->socket_, self->req_, [self](boost::system::error_code ec2, std::size_t) {
            if (ec2) return self->Fail();
            http::async_read(self->socket_, self->buffer_, self->res_,
                             [self](boost::system::error_code ec3, std::size_t) {
                               if (ec3) return self->Fail();
                               self->out_ = Record(self->res_, self->sent_, self->clock_.Now());
                             });
          });
    });
  }

 private:
  void Fail() { out_.status = -1; }

  tcp::socket socket_;
  const Clock& clock_;
  tcp::endpoint to_;
  http::request<http::empty_body> req_;
  boost::beast::flat_buffer buffer_;
  http::response<http::string_body> res_;
  MonoTime sent_{};
  Answer& out_;
};

// sent: seconds after request 0 was written.
boost::json::object ToJson(const Answer& a, int i, MonoTime t0) {
  return {{"i", i},
          {"status", a.status},
          {"sent", std::chrono::duration<double>(a.sent - t0).count()},
          {"seconds", a.seconds},
          {"worker", a.worker}};
}

int Run(int port, const std::string& path, int warm, int fresh, int connections, int tail_nice) {
  EventLoop loop;
  auto clock = MakeRealClock(loop);
  asio::io_context io;
  tcp::endpoint to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  boost::json::object out;

  boost::json::array warm_times;
  {
    tcp::socket s(io);
    s.connect(to);
    Answer last = Exchange(*clock, s, path, -1);
    for (int k = 0; k < warm; ++k) {
      last = Exchange(*clock, s, path, k);
      warm_times.push_back(last.seconds);
    }
    out["warm_worker"] = last.worker;
  }
  out["warm"] = std::move(warm_times);

  boost::json::array fresh_times;
  for (int k = 0; k < fresh; ++k) {
    tcp::socket s(io);
    s.connect(to);
    fresh_times.push_back(Exchange(*clock, s, path, k).seconds);
  }
  out["fresh"] = std::move(fresh_times);

  // The burst: the tail's thread waits for request 0 to be written, then starts all at once.
  std::vector<Answer> answers(static_cast<std::size_t>(connections));
  std::atomic<bool> go{false};
  asio::io_context tail_io;
  std::thread tail([&] {
    if (tail_nice != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), tail_nice);
    while (!go.load(std::memory_order_acquire)) {
    }
    // Asio connects at initiation: the clients are started only now, after request 0.
    for (int i = 1; i < connections; ++i)
      std::make_shared<TailClient>(tail_io, *clock, to, path, i,
                                   answers[static_cast<std::size_t>(i)])
          ->Start();
    tail_io.run();
  });
  {
    tcp::socket s(io);
    s.connect(to);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto req = Request(path, 0);
    MonoTime sent = clock->Now();
    http::write(s, req);
    go.store(true, std::memory_order_release);
    http::read(s, buffer, res);
    answers[0] = Record(res, sent, clock->Now());
  }
  tail.join();
  boost::json::array burst;
  for (int i = 0; i < connections; ++i)
    burst.push_back(ToJson(answers[static_cast<std::size_t>(i)], i, answers[0].sent));
  out["burst"] = std::move(burst);
  std::printf("%s\n", boost::json::serialize(out).c_str());
  return 0;
}

}  // namespace
}  // namespace squall

int main(int argc, char** argv) {
  CLI::App app{"Times the leading edge of a burst of new HTTP connections."};
  int port = 0, warm = 99, fresh = 10, connections = 64, tail_nice = 0;
  std::string path = "/api/bench";
  app.add_option("--port", port, "server port on 127.0.0.1")->required();
  app.add_option("--path", path, "request path");
  app.add_option("--warm", warm, "timed requests on one kept-alive connection");
  app.add_option("--fresh", fresh, "single requests, each on a new connection");
  app.add_option("--connections", connections, "clients in the burst (request 0 included)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--tail-nice", tail_nice,
                 "nice value of the thread that sends the burst's other requests (19: it yields "
                 "the CPU to the servers, as a client on another machine would)")
      ->check(CLI::Range(-20, 19));
  CLI11_PARSE(app, argc, argv);
  try {
    return squall::Run(port, path, warm, fresh, connections, tail_nice);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "burst_client: %s\n", e.what());
    return 1;
  }
}
