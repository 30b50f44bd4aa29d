// Shared Key authorization for the Blob and Queue services (version 2009-09-19 and later): the
// string-to-sign Azure's "Authorize with Shared Key" page defines, signed with HMAC-SHA256 under
// the account key. The decoded key lives only here and is never logged or printed.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/http_message.h"

namespace squall {

class AzureSharedKey {
 public:
  // `base64_key` as in the connection string. The error never echoes it.
  static StatusOr<AzureSharedKey> Create(std::string account, std::string_view base64_key);

  const std::string& account() const { return account_; }

  // The value for the Authorization header: "SharedKey <account>:<base64 signature>".
  // `request.target` must be the path and query exactly as sent; its x-ms-* headers (x-ms-date
  // included) must already be set. Content-Length comes from the body.
  std::string Authorization(const HttpRequest& request) const;

  // The parts, for tests and diagnostics (neither holds the key).
  static std::string StringToSign(const HttpRequest& request, std::string_view account);
  static std::string CanonicalizedHeaders(const HttpRequest& request);
  static std::string CanonicalizedResource(std::string_view target, std::string_view account);

 private:
  AzureSharedKey(std::string account, std::string key)
      : account_(std::move(account)), key_(std::move(key)) {}

  std::string account_;
  std::string key_;  // raw bytes
};

}  // namespace squall
