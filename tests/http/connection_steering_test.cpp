// Connections that move between servers: HttpServer's steering (a connection detached with
// what it sent, adopted by another server, handed back, returned when idle) with real loopback
// sockets on a real event loop, and the exchange channel that carries them between processes
// (SCM_RIGHTS), here within one process. Waits are on futures or blocking reads, never sleeps.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "core/event_loop.h"
#include "core/real_clock.h"
#include "http/connection_exchange.h"
#include "http/http_server.h"
#include "tests/core/run_on_loop.h"

namespace squall {
namespace {

class NamedHandler : public HttpHandler {
 public:
  explicit NamedHandler(std::string name) : name_(std::move(name)) {}
  void Handle(HttpRequest request, Responder respond) override {
    respond(TextResponse(200, name_ + " " + request.target + " " + request.body));
  }

 private:
  std::string name_;
};

// Sends paths starting with `prefix` (all of them for a direct connection when `all_direct`)
// to `sink`; counts what it is told.
class TestSteering : public ConnectionSteering {
 public:
  std::string prefix;
  std::function<void(DetachedConnection)> sink;
  std::function<void(DetachedConnection)> return_sink;
  std::atomic<int> closed{0}, started{0}, answered{0};

  Sink Steer(const HttpRequest& request, bool /*direct*/) override {
    std::lock_guard lock(mu);
    if (!prefix.empty() && request.target.rfind(prefix, 0) == 0) return sink;
    return {};
  }
  std::mutex mu;
  Sink ReturnSink() override { return return_sink; }
  void DirectClosed() override { ++closed; }
  void DirectStarted() override { ++started; }
  void DirectAnswered(const std::string&, int, Duration) override { ++answered; }
};

// A blocking HTTP/1.1 client on one kept-alive connection.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~Client() { ::close(fd_); }

  // Sends a request and returns the response body.
  std::string Get(const std::string& target, const std::string& body = "") {
    std::string req = (body.empty() ? "GET " : "POST ") + target +
                      " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body;
    EXPECT_EQ(::write(fd_, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    std::string in;
    char buf[4096];
    for (;;) {
      auto head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        std::size_t length = std::stoul(in.substr(cl + 16));
        if (in.size() >= head_end + 4 + length) return in.substr(head_end + 4, length);
      }
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return "<closed>";
      in.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

class ConnectionSteeringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = MakeRealClock(loop_);
    a_ = std::make_unique<HttpServer>(loop_, *clock_, handler_a_, HttpServerOptions{});
    b_ = std::make_unique<HttpServer>(loop_, *clock_, handler_b_, HttpServerOptions{});
    a_->SetSteering(&steer_a_);
    b_->SetSteering(&steer_b_);
    // A ("the front door") hands /to-b connections to B as direct ones; B ("an instance")
    // hands /back requests, and idle connections when returning, back to A.
    steer_a_.prefix = "/to-b";
    steer_a_.sink = [this](DetachedConnection c) { b_->Adopt(std::move(c), /*direct=*/true); };
    steer_b_.prefix = "/back";
    steer_b_.sink = [this](DetachedConnection c) { a_->Adopt(std::move(c), /*direct=*/false); };
    steer_b_.return_sink = steer_b_.sink;
    auto port = a_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { loop_.Run(1); });
  }
  void TearDown() override {
    a_->Close();
    b_->Close();
    loop_.Stop();
    thread_.join();
  }
  void OnLoop(std::function<void()> f) { RunOnLoop(loop_, std::move(f)); }

  EventLoop loop_{1};
  std::unique_ptr<Clock> clock_;
  NamedHandler handler_a_{"A"}, handler_b_{"B"};
  TestSteering steer_a_, steer_b_;
  std::unique_ptr<HttpServer> a_, b_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(ConnectionSteeringTest, AConnectionMovesWithItsRequestAndComesBack) {
  Client c(port_);
  EXPECT_EQ(c.Get("/first"), "A /first ");            // not steered: A answers
  EXPECT_EQ(c.Get("/to-b/1", "body"), "B /to-b/1 body");  // moved with its request and body
  EXPECT_EQ(c.Get("/x"), "B /x ");                     // a direct connection stays on B
  EXPECT_EQ(steer_b_.started.load(), 2);
  EXPECT_EQ(steer_b_.answered.load(), 2);
  EXPECT_EQ(c.Get("/back/2", "b2"), "A /back/2 b2");   // B hands it back with the request
  EXPECT_EQ(c.Get("/y"), "A /y ");
  EXPECT_EQ(c.Get("/to-b/3"), "B /to-b/3 ");
  EXPECT_EQ(steer_b_.closed.load(), 0) << "handed over is not closed";
}

TEST_F(ConnectionSteeringTest, IdleDirectConnectionsReturnWhenAsked) {
  Client c(port_);
  EXPECT_EQ(c.Get("/to-b/1"), "B /to-b/1 ");
  OnLoop([&] {
    std::lock_guard lock(steer_a_.mu);
    steer_a_.prefix = "";  // as the platform: it hands nothing to an instance that returns
    b_->ReturnDirectConnections(true);
  });
  // The idle connection is back on A by now, or is when the next request comes: either way
  // nothing is lost and A answers.
  EXPECT_EQ(c.Get("/after"), "A /after ");
  EXPECT_EQ(c.Get("/to-b/2"), "A /to-b/2 ");
  EXPECT_EQ(steer_b_.closed.load(), 0);
}

TEST_F(ConnectionSteeringTest, ADirectConnectionThatClosesIsReported) {
  {
    Client c(port_);
    EXPECT_EQ(c.Get("/to-b/1"), "B /to-b/1 ");
  }
  for (int i = 0; i < 100000 && steer_b_.closed.load() == 0; ++i) OnLoop([] {});
  EXPECT_EQ(steer_b_.closed.load(), 1);
}

TEST(ConnectionExchangeTest, CarriesADescriptorAndPayload) {
  EventLoop loop(1);
  std::promise<std::shared_ptr<ExchangeChannel>> accepted;
  auto listener = ExchangeListener::Listen(
      loop, [&](std::shared_ptr<ExchangeChannel> c) { accepted.set_value(std::move(c)); });
  ASSERT_TRUE(listener.ok()) << listener.status().message();
  std::thread thread([&] { loop.Run(1); });

  auto client = ExchangeChannel::Connect(loop, (*listener)->name());
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto server = accepted.get_future().get();
  EXPECT_EQ(server->peer_uid(), static_cast<int>(::getuid()));
  EXPECT_EQ(server->peer_pid(), static_cast<int>(::getpid()));

  std::promise<ExchangeMessage> got;
  server->Start([&](ExchangeMessage m) { got.set_value(std::move(m)); }, [] {});
  (*client)->Start([](ExchangeMessage) {}, [] {});
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const std::string payload(100000, 'x');
  ASSERT_TRUE((*client)->Send(kExchangeConnection, payload, pipe_fds[1]));
  ExchangeMessage m = got.get_future().get();
  EXPECT_EQ(m.kind, kExchangeConnection);
  EXPECT_EQ(m.payload, payload);
  ASSERT_GE(m.fd, 0);
  // The received descriptor is the pipe's write end (the sent one was closed by Send).
  ASSERT_EQ(::write(m.fd, "hi", 2), 2);
  char buf[2];
  ASSERT_EQ(::read(pipe_fds[0], buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "hi");
  ::close(m.fd);
  ::close(pipe_fds[0]);

  (*client)->Close();
  int keep = ::dup(0);
  EXPECT_FALSE((*client)->Send(kExchangeConnection, "late", keep));
  EXPECT_EQ(::close(keep), 0) << "a failed Send leaves the descriptor to the caller";
  server->Close();
  (*listener)->Close();
  loop.Stop();
  thread.join();
}

TEST(ConnectionExchangeTest, PlatformPaths) {
  EXPECT_TRUE(IsPlatformPath("/admin"));
  EXPECT_TRUE(IsPlatformPath("/admin/host/status"));
  EXPECT_TRUE(IsPlatformPath("/ADMIN/platform/instances"));
  EXPECT_TRUE(IsPlatformPath("/metrics"));
  EXPECT_FALSE(IsPlatformPath("/administrator"));
  EXPECT_FALSE(IsPlatformPath("/api/admin"));
  EXPECT_FALSE(IsPlatformPath("/metricsx"));
  EXPECT_FALSE(IsPlatformPath("/"));
}

}  // namespace
}  // namespace squall
