// For RemoteClientPool's tests: a throwaway PKI made with OpenSSL (a CA and server certificates
// signed by it, EC P-256) and a one-thread test server on 127.0.0.1, plain or TLS, that answers
// every request with a canned response.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace squall::testing_tls {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

// A CA that signs server certificates. Its certificate is written to a PEM file in a fresh
// temporary directory (removed with the object).
class TestCa {
 public:
  explicit TestCa(const std::string& name);
  ~TestCa();
  const std::string& pem_path() const { return pem_path_; }

  struct Issued {
    Key key;
    Cert cert;
  };
  // `san`: the subjectAltName, e.g. "DNS:localhost,IP:127.0.0.1".
  Issued Issue(const std::string& common_name, const std::string& san) const;

 private:
  Key key_;
  Cert cert_;
  std::string dir_;
  std::string pem_path_;
};

class TestServer {
 public:
  enum class Mode {
    kAnswer,       // (TLS handshake, then) answer each request with `response`
    kWriteAtOnce,  // write `response` as soon as a connection is accepted, read nothing
    kStall,        // accept and do nothing until destroyed
  };
  // tls: null for plain HTTP; otherwise the server's certificate and key.
  TestServer(Mode mode, std::string response, const TestCa::Issued* tls = nullptr);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  int failed_handshakes() const { return failed_handshakes_.load(); }
  // The last request head read (for Host/SNI checks).
  std::string last_request() const;
  std::string last_sni() const;

 private:
  void Serve();
  void ServeConnection(int fd);
  bool WaitReadable(int fd);  // false on hangup

  Mode mode_;
  std::string response_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  int hangup_[2] = {-1, -1};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> failed_handshakes_{0};
  mutable std::mutex mu_;
  std::string last_request_;
  std::string last_sni_;
  std::thread thread_;
};

}  // namespace squall::testing_tls
