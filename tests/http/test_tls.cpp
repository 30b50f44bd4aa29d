#include "test_tls.h"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace squall::testing_tls {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(std::string("test PKI: ") + what);
  }
}

Key NewKey() {
  Key key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

// A certificate for `key`, signed by `signer_key` (self-signed when issuer is null), valid from a
// day ago for a day (OpenSSL checks validity against the real time; nothing here reads it).
Cert MakeCert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* signer_key,
              const std::vector<std::pair<int, std::string>>& extensions) {
  static int serial = 1;
  Cert cert(X509_new());
  X509* x = cert.get();
  Check(X509_set_version(x, 2) == 1, "version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1, "serial");
  Check(X509_gmtime_adj(X509_getm_notBefore(x), -86400) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr, "notAfter");
  Check(X509_set_pubkey(x, key) == 1, "pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "CN");
  Check(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    Check(ext != nullptr, "extension");
    Check(X509_add_ext(x, ext, -1) == 1, "add extension");
    X509_EXTENSION_free(ext);
  }
  Check(X509_sign(x, signer_key, EVP_sha256()) > 0, "sign");
  return cert;
}

}  // namespace

TestCa::TestCa(const std::string& name) : key_(NewKey()) {
  cert_ = MakeCert(key_.get(), name, nullptr, key_.get(),
                   {{NID_basic_constraints, "critical,CA:TRUE"},
                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                    {NID_subject_key_identifier, "hash"}});
  std::string pattern = (std::filesystem::temp_directory_path() / "squall-tls-XXXXXX").string();
  Check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  dir_ = pattern;
  pem_path_ = dir_ + "/ca.pem";
  FILE* f = std::fopen(pem_path_.c_str(), "w");
  Check(f != nullptr, "open ca.pem");
  bool written = PEM_write_X509(f, cert_.get()) == 1;
  std::fclose(f);
  Check(written, "write ca.pem");
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

TestCa::Issued TestCa::Issue(const std::string& common_name, const std::string& san) const {
  Issued issued;
  issued.key = NewKey();
  issued.cert = MakeCert(issued.key.get(), common_name, cert_.get(), key_.get(),
                         {{NID_basic_constraints, "critical,CA:FALSE"},
                          {NID_key_usage, "critical,digitalSignature"},
                          {NID_ext_key_usage, "serverAuth"},
                          {NID_subject_alt_name, san}});
  return issued;
}

TestServer::TestServer(Mode mode, std::string response, const TestCa::Issued* tls)
    : mode_(mode), response_(std::move(response)) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the test
  if (tls) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    Check(ctx_ != nullptr, "SSL_CTX_new");
    Check(SSL_CTX_use_certificate(ctx_, tls->cert.get()) == 1, "use certificate");
    Check(SSL_CTX_use_PrivateKey(ctx_, tls->key.get()) == 1, "use key");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  Check(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0, "bind");
  Check(::listen(listen_fd_, 8) == 0, "listen");
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  Check(::pipe(hangup_) == 0, "pipe");
  thread_ = std::thread([this] { Serve(); });
}

TestServer::~TestServer() {
  ::close(hangup_[1]);
  thread_.join();
  ::close(listen_fd_);
  ::close(hangup_[0]);
  if (ctx_) SSL_CTX_free(ctx_);
}

std::string TestServer::last_request() const {
  std::lock_guard lock(mu_);
  return last_request_;
}

std::string TestServer::last_sni() const {
  std::lock_guard lock(mu_);
  return last_sni_;
}

bool TestServer::WaitReadable(int fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {hangup_[0], POLLIN, 0}};
  if (::poll(fds, 2, -1) <= 0) return false;
  return (fds[1].revents & (POLLIN | POLLHUP)) == 0;
}

void TestServer::Serve() {
  for (;;) {
    if (!WaitReadable(listen_fd_)) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    ServeConnection(fd);
    ::close(fd);
  }
}

void TestServer::ServeConnection(int fd) {
  char buf[4096];
  if (mode_ == Mode::kWriteAtOnce) {
    (void)!::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL);
  }
  if (mode_ != Mode::kAnswer) {
    // Until the client hangs up (or the server is destroyed).
    while (WaitReadable(fd) && ::read(fd, buf, sizeof(buf)) > 0) {
    }
    return;
  }
  SSL* ssl = nullptr;
  if (ctx_) {
    ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ++failed_handshakes_;
      ERR_clear_error();
      SSL_free(ssl);
      return;
    }
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard lock(mu_);
    last_sni_ = sni ? sni : "";
  }
  std::string in;
  for (;;) {
    std::size_t end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t cl = in.find("Content-Length: ");
      std::size_t body = cl == std::string::npos || cl > end ? 0 : std::stoul(in.substr(cl + 16));
      if (in.size() >= end + 4 + body) {
        {
          std::lock_guard lock(mu_);
          last_request_ = in.substr(0, end + 4);
        }
        in.erase(0, end + 4 + body);
        ++requests_;
        int n =
            ssl ? SSL_write(ssl, response_.data(), static_cast<int>(response_.size()))
                : static_cast<int>(::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL));
        if (n <= 0) break;
        continue;
      }
    }
    if (!(ssl && SSL_pending(ssl) > 0) && !WaitReadable(fd)) break;
    int n = ssl ? SSL_read(ssl, buf, sizeof(buf)) : static_cast<int>(::read(fd, buf, sizeof(buf)));
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  if (ssl) {
    ERR_clear_error();
    SSL_free(ssl);
  }
}

}  // namespace squall::testing_tls
