// RemoteClientPool against local test servers: names resolved (localhost), plain and TLS, the
// certificate and its name verified, clear errors when they are not trusted, cancellation.
#include "http/remote_client_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>

#include "core/asio_context.h"
#include "core/event_loop.h"
#include "test_tls.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_tls::TestCa;
using testing_tls::TestServer;

constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

class RemoteClientPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<RemoteClientPool> Pool(bool tls, const std::string& host, int port,
                                         const std::string& ca_file = "") {
    RemoteEndpointOptions o;
    o.tls = tls;
    o.host = host;
    o.port = port;
    o.peer_name = "the test server";
    o.ca_file = ca_file;
    auto pool = RemoteClientPool::Create(loop_, std::move(o));
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  // Sends GET /path and runs the loop until the answer (bounded: 1000 slices of 10 ms).
  StatusOr<HttpResponse> Get(RemoteClientPool& pool, std::shared_ptr<HttpCall>* call = nullptr,
                             const std::function<void()>& while_waiting = {}) {
    std::optional<StatusOr<HttpResponse>> result;
    HttpRequest request;
    request.method = "GET";
    request.target = "/path";
    auto c = pool.Send(std::move(request),
                       [&](StatusOr<HttpResponse> r) { result.emplace(std::move(r)); });
    EXPECT_FALSE(result.has_value());  // never inside Send
    if (call) *call = c;
    auto& io = AsioContext(loop_);
    io.restart();
    for (int i = 0; i < 1000 && !result; ++i) {
      io.run_one_for(10ms);
      if (while_waiting) while_waiting();
    }
    if (!result) return Internal("test: no answer");
    return std::move(*result);
  }

  EventLoop loop_;
};

TEST_F(RemoteClientPoolTest, PlainHttpToAHostName) {
  TestServer server(TestServer::Mode::kAnswer, kOk);
  auto pool = Pool(false, "localhost", server.port());
  ASSERT_NE(pool, nullptr);
  auto r = Get(*pool);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_THAT(server.last_request(),
              HasSubstr("Host: localhost:" + std::to_string(server.port()) + "\r\n"));
}

TEST_F(RemoteClientPoolTest, HttpsWithATrustedCertificateKeepsTheConnection) {
  TestCa ca("squall test CA");
  auto cert = ca.Issue("localhost", "DNS:localhost,IP:127.0.0.1");
  TestServer server(TestServer::Mode::kAnswer, kOk, &cert);
  auto pool = Pool(true, "localhost", server.port(), ca.pem_path());
  ASSERT_NE(pool, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = Get(*pool);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 1);  // kept alive over TLS
  EXPECT_EQ(server.last_sni(), "localhost");
}

TEST_F(RemoteClientPoolTest, HttpsToAnIpAddressChecksTheAddressAndSendsNoSni) {
  TestCa ca("squall test CA");
  auto cert = ca.Issue("loopback", "IP:127.0.0.1");
  TestServer server(TestServer::Mode::kAnswer, kOk, &cert);
  auto pool = Pool(true, "127.0.0.1", server.port(), ca.pem_path());
  ASSERT_NE(pool, nullptr);
  auto r = Get(*pool);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.last_sni(), "");
}

TEST_F(RemoteClientPoolTest, AnUntrustedCertificateIsAClearError) {
  TestCa ca("squall test CA");
  TestCa other("some other CA");
  auto cert = ca.Issue("localhost", "DNS:localhost");
  TestServer server(TestServer::Mode::kAnswer, kOk, &cert);
  auto pool = Pool(true, "localhost", server.port(), other.pem_path());
  ASSERT_NE(pool, nullptr);
  auto r = Get(*pool);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);  // never sent
  EXPECT_THAT(r.status().message(), HasSubstr("cannot make a TLS connection to the test server"));
  EXPECT_THAT(r.status().message(), HasSubstr("certificate verification failed"));
  EXPECT_THAT(r.status().message(), HasSubstr("SSL_CERT_FILE"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(RemoteClientPoolTest, ACertificateForAnotherNameIsAClearError) {
  TestCa ca("squall test CA");
  auto cert = ca.Issue("elsewhere", "DNS:elsewhere.example,IP:127.0.0.2");
  TestServer server(TestServer::Mode::kAnswer, kOk, &cert);
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto pool = Pool(true, host, server.port(), ca.pem_path());
    ASSERT_NE(pool, nullptr);
    auto r = Get(*pool);
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << host;
    EXPECT_THAT(r.status().message(), HasSubstr("mismatch")) << host;
    EXPECT_THAT(r.status().message(),
                HasSubstr(std::string("the server's certificate is not for '") + host + "'"));
  }
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(RemoteClientPoolTest, AServerThatDoesNotSpeakTlsIsNamedAsSuch) {
  TestServer server(TestServer::Mode::kWriteAtOnce,
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  auto pool = Pool(true, "127.0.0.1", server.port());
  ASSERT_NE(pool, nullptr);
  auto r = Get(*pool);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("is it an https endpoint?"));
}

TEST_F(RemoteClientPoolTest, NothingListeningIsUnavailable) {
  int port;
  {
    TestServer gone(TestServer::Mode::kAnswer, kOk);
    port = gone.port();
  }
  auto pool = Pool(false, "localhost", port);
  ASSERT_NE(pool, nullptr);
  auto r = Get(*pool);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("cannot connect to the test server"));
}

TEST_F(RemoteClientPoolTest, CancelEndsAStalledHandshake) {
  TestServer server(TestServer::Mode::kStall, "");
  auto pool = Pool(true, "localhost", server.port());
  ASSERT_NE(pool, nullptr);
  std::shared_ptr<HttpCall> call;
  bool cancelled = false;
  auto r = Get(*pool, &call, [&] {
    if (!cancelled && server.connections() == 1) {
      cancelled = true;
      call->Cancel(DeadlineExceeded("took too long"));
    }
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "took too long");
}

TEST_F(RemoteClientPoolTest, AnUnreadableCaFileIsAnErrorAtCreation) {
  RemoteEndpointOptions o;
  o.tls = true;
  o.host = "localhost";
  o.port = 443;
  o.peer_name = "the test server";
  o.ca_file = "/nonexistent/ca.pem";
  auto pool = RemoteClientPool::Create(loop_, o);
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(pool.status().message(), HasSubstr("/nonexistent/ca.pem"));
  EXPECT_THAT(pool.status().message(), HasSubstr("the test server"));
  o.tls = false;  // plain http needs no CAs
  EXPECT_TRUE(RemoteClientPool::Create(loop_, o).ok());
  EXPECT_THAT(RemoteClientPool::Create(loop_, {false, "", 80}).status().message(),
              Not(HasSubstr("CA")));
}

}  // namespace
}  // namespace squall
