// AzureRestClient against a scripted one-connection server (no Azurite): what goes on the wire,
// the deadline (on a SimulatedClock) and dropped callbacks.
#include "storage/azure_rest_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <thread>

#include "azurite.h"
#include "core/simulated_clock.h"
#include "storage/azure_text.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// Accepts one connection on 127.0.0.1, reads one request, then answers with `response` (or,
// when it is empty, says nothing until `Hangup`).
class OneRequestServer {
 public:
  explicit OneRequestServer(std::string response) : response_(std::move(response)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::pipe(hangup_), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneRequestServer() {
    Hangup();
    thread_.join();
    ::close(listen_fd_);
    ::close(hangup_[0]);
  }

  void Hangup() {
    if (hangup_[1] >= 0) {
      ::close(hangup_[1]);
      hangup_[1] = -1;
    }
  }
  int port() const { return port_; }
  bool got_request() const { return got_.load(); }
  std::string request() const { return got_.load() ? request_ : ""; }

 private:
  void Serve() {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {hangup_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0 || !(fds[0].revents & POLLIN)) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string in;
    char buf[4096];
    for (;;) {
      std::size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t cl = in.find("Content-Length: ");
        std::size_t body = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + body) break;
      }
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
    }
    request_ = in;
    got_ = true;
    if (!response_.empty()) {
      (void)!::write(fd, response_.data(), response_.size());
    }
    pollfd h{hangup_[0], POLLIN, 0};
    ::poll(&h, 1, -1);  // until Hangup (or destruction)
    ::close(fd);
  }

  std::string response_;
  int listen_fd_ = -1;
  int port_ = 0;
  int hangup_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> got_{false};
  std::string request_;
};

class AzureRestClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<AzureRestClient> Client(int port) {
    auto key = AzureSharedKey::Create("devstoreaccount1", kDevKey);
    EXPECT_TRUE(key.ok());
    auto client = AzureRestClient::Create(
        loop_, clock_, StorageEndpoint{"http", "127.0.0.1", port, "/devstoreaccount1"}, *key);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }
  // Runs the loop in short slices until `done` (bounded: 1000 slices).
  void RunUntil(const std::function<bool()>& done) {
    auto& io = AsioContext(loop_);
    io.restart();
    for (int i = 0; i < 1000 && !done(); ++i) io.run_one_for(10ms);
  }

  EventLoop loop_;
  SimulatedClock clock_{WallTime{std::chrono::seconds(1'735'689'600)}};  // 2025-01-01
};

TEST_F(AzureRestClientTest, SendsASignedRequestUnderTheEndpointPath) {
  OneRequestServer server(
      "HTTP/1.1 201 Created\r\nx-ms-request-id: r1\r\nContent-Length: 2\r\n\r\nok");
  auto client = Client(server.port());
  ASSERT_NE(client, nullptr);
  std::optional<StatusOr<HttpResponse>> result;
  client->Send({"PUT",
                "/orders/messages/m1",
                {{"popreceipt", "Ag+b/c="}, {"visibilitytimeout", "30"}},
                {{"x-ms-client-request-id", "c1"}},
                "body!"},
               [&](StatusOr<HttpResponse> r) { result.emplace(std::move(r)); });
  EXPECT_FALSE(result);  // never inline
  RunUntil([&] { return result.has_value(); });
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->status, 201);
  EXPECT_EQ((*result)->body, "ok");

  std::string wire = server.request();
  EXPECT_THAT(wire, StartsWith("PUT /devstoreaccount1/orders/messages/m1?popreceipt=Ag%2Bb%2Fc%3D"
                               "&visibilitytimeout=30 HTTP/1.1\r\n"));
  EXPECT_THAT(wire, HasSubstr("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
  EXPECT_THAT(wire, HasSubstr("x-ms-date: Wed, 01 Jan 2025 00:00:00 GMT\r\n"));  // the Clock's
  EXPECT_THAT(wire, HasSubstr("x-ms-version: 2021-08-06\r\n"));
  EXPECT_THAT(wire, HasSubstr("x-ms-client-request-id: c1\r\n"));
  EXPECT_THAT(wire, HasSubstr("\r\n\r\nbody!"));

  // The signature is the one for exactly what was sent.
  HttpRequest sent;
  sent.method = "PUT";
  sent.target =
      "/devstoreaccount1/orders/messages/m1?popreceipt=Ag%2Bb%2Fc%3D&visibilitytimeout=30";
  sent.headers = {{"x-ms-client-request-id", "c1"},
                  {"x-ms-date", "Wed, 01 Jan 2025 00:00:00 GMT"},
                  {"x-ms-version", "2021-08-06"}};
  sent.body = "body!";
  auto key = AzureSharedKey::Create("devstoreaccount1", kDevKey);
  EXPECT_THAT(wire, HasSubstr("Authorization: " + key->Authorization(sent) + "\r\n"));
  EXPECT_THAT(wire, ::testing::Not(HasSubstr(kDevKey)));
}

TEST_F(AzureRestClientTest, ASasClientPutsTheTokenInTheQueryAndSignsNothing) {
  OneRequestServer server(
      "HTTP/1.1 403 Forbidden\r\nx-ms-error-code: AuthorizationPermissionMismatch\r\n"
      "Content-Length: 0\r\n\r\n");
  auto client = AzureRestClient::Create(
      loop_, clock_, StorageEndpoint{"http", "localhost", server.port(), "/devstoreaccount1"},
      AzureCredentials::Sas("devstoreaccount1", "sv=2021-08-06&sp=r&sig=c2VjcmV0%3D"));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  std::optional<StatusOr<HttpResponse>> result;
  (*client)->Send({"GET", "/orders/messages", {{"numofmessages", "1"}}, {}, {}},
                  [&](StatusOr<HttpResponse> r) { result.emplace(std::move(r)); });
  RunUntil([&] { return result.has_value(); });
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  std::string wire = server.request();
  EXPECT_THAT(wire, StartsWith("GET /devstoreaccount1/orders/messages?numofmessages=1&"
                               "sv=2021-08-06&sp=r&sig=c2VjcmV0%3D HTTP/1.1\r\n"));
  EXPECT_THAT(wire, ::testing::Not(HasSubstr("Authorization")));
  EXPECT_THAT(wire, HasSubstr("Host: localhost:" + std::to_string(server.port()) + "\r\n"));
  Status refused = (*client)->ErrorStatus(**result, "Get Messages");
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("check the SharedAccessSignature"));
  EXPECT_THAT(refused.message(), ::testing::Not(HasSubstr("c2VjcmV0")));
}

TEST_F(AzureRestClientTest, ADeadlineEndsACallThatGetsNoAnswer) {
  OneRequestServer server("");  // reads the request, never answers
  auto client = Client(server.port());
  ASSERT_NE(client, nullptr);
  client->set_timeout(20s);
  std::optional<StatusOr<HttpResponse>> result;
  client->Send({"GET", "/q/messages", {}, {}, {}},
               [&](StatusOr<HttpResponse> r) { result.emplace(std::move(r)); });
  RunUntil([&] { return server.got_request(); });
  ASSERT_TRUE(server.got_request());
  clock_.Advance(19s);
  AsioContext(loop_).poll();
  EXPECT_FALSE(result);
  clock_.Advance(1s);
  RunUntil([&] { return result.has_value(); });
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result->status().message(), HasSubstr("did not answer within 20 s"));
  EXPECT_THAT(result->status().message(), HasSubstr("devstoreaccount1"));
}

TEST_F(AzureRestClientTest, ACallbackIsDroppedWhenTheClientIsGone) {
  OneRequestServer server("");
  auto client = Client(server.port());
  ASSERT_NE(client, nullptr);
  bool called = false;
  client->Send({"GET", "/q/messages", {}, {}, {}}, [&](StatusOr<HttpResponse>) { called = true; });
  RunUntil([&] { return server.got_request(); });
  ASSERT_TRUE(server.got_request());
  client->Post([&] { called = true; });
  client.reset();  // cancels the call in flight; nobody is left to tell
  auto& io = AsioContext(loop_);
  io.restart();
  for (int i = 0; i < 1000; ++i) {
    if (io.run_one_for(10ms) == 0) break;  // nothing left to run
  }
  EXPECT_FALSE(called);
  EXPECT_EQ(clock_.pending(), 0u);  // and its deadline went with it
}

}  // namespace
}  // namespace squall
