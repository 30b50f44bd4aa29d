// TLS for RemoteClientPool: the client context (peer verification on, CAs from the system or a
// file) and per-connection set-up and failure messages. Asio's SSL headers: only for translation
// units inside src/http.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "core/status.h"

namespace squall {

// A client context: TLS 1.2 or later, verify_peer. `ca_file` empty: the system's CAs through
// OpenSSL's default verify paths, which honour the SSL_CERT_FILE and SSL_CERT_DIR environment
// variables; otherwise only the PEM certificates in that file. Reads the CA file(s) now, or
// returns the context made for the same `ca_file` while it is still in use.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const std::string& ca_file);

// Before the handshake: SNI (for a name; RFC 6066 forbids IP addresses there) and the name or
// address the certificate must be for, checked by OpenSSL during chain verification.
Status PrepareTlsConnection(SSL* ssl, const std::string& host, bool host_is_ip);

// Why a handshake failed, for an error message: the certificate problem OpenSSL found
// ("certificate verification failed: self-signed certificate in certificate chain") with what to
// do about it, or the TLS error ("wrong version number ... is it an https endpoint?").
std::string DescribeTlsFailure(const boost::system::error_code& ec, SSL* ssl,
                               const std::string& host);

}  // namespace squall
