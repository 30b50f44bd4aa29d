#include "http/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/error.hpp>
#include <map>
#include <mutex>

namespace squall {

namespace ssl = boost::asio::ssl;

namespace {

StatusOr<std::shared_ptr<ssl::context>> NewTlsClientContext(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Internal("TLS: cannot require TLS 1.2 or later");
  }
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression, ec);
  if (ca_file.empty()) {
    // Never fails for missing files (OpenSSL ignores them); verification then fails, clearly.
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return FailedPrecondition("TLS: cannot load the trusted CA certificates" +
                              (ca_file.empty() ? std::string() : " from " + ca_file) + ": " +
                              ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return Internal("TLS: cannot turn peer verification on: " + ec.message());
  return ctx;
}

}  // namespace

StatusOr<std::shared_ptr<ssl::context>> MakeTlsClientContext(const std::string& ca_file) {
  // Reading the system's CA bundle costs milliseconds: pools alive at the same time (an
  // account's Queue and Blob endpoints) share one context.
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<ssl::context>> live;
  std::lock_guard lock(mu);
  if (auto ctx = live[ca_file].lock()) return ctx;
  auto made = NewTlsClientContext(ca_file);
  if (made.ok()) live[ca_file] = *made;
  return made;
}

Status PrepareTlsConnection(SSL* ssl, const std::string& host, bool host_is_ip) {
  bool ok;
  if (host_is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
  }
  ERR_clear_error();
  if (!ok) return InvalidArgument("TLS: '" + host + "' cannot be used as a server name");
  return Status::Ok();
}

std::string DescribeTlsFailure(const boost::system::error_code& ec, SSL* ssl,
                               const std::string& host) {
  long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  ERR_clear_error();
  if (verify != X509_V_OK) {
    std::string what =
        std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
    switch (verify) {
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return what +
               " (the server's certificate is not signed by a CA this machine trusts: install "
               "the CA in the system's store, or point SSL_CERT_FILE or SSL_CERT_DIR at it)";
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return what + " (the server's certificate is not for '" + host + "')";
      default:
        return what;
    }
  }
  std::string what = "TLS handshake failed: " + ec.message();
  if (ec == ssl::error::stream_truncated || ec == boost::asio::error::eof) {
    return what + " (the server closed the connection during the handshake)";
  }
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER) {
    return what + " (the server does not speak TLS: is it an https endpoint?)";
  }
  return what;
}

}  // namespace squall
