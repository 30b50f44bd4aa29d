// How requests to an Azure Storage account are authorized: Shared Key (each request signed with
// the account key) or a shared access signature (the SAS token appended to each request's
// query, unsigned). Neither secret is ever logged or put in a message.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "http/http_message.h"
#include "storage/azure_shared_key.h"
#include "storage/storage_connection.h"

namespace squall {

class AzureCredentials {
 public:
  AzureCredentials(AzureSharedKey key);  // NOLINT: a key is a credential
  static AzureCredentials Sas(std::string account, std::string token);
  // From a parsed Azure connection string: its SAS token if it has one, else its key.
  static StatusOr<AzureCredentials> FromConnection(const StorageConnection& connection);

  const std::string& account() const { return account_; }
  bool is_sas() const { return !key_.has_value(); }

  // Makes `request` authorized. Its target (path and query) and x-ms-* headers must be final:
  // a SAS is appended to the query; Shared Key signs what is there and adds Authorization.
  void Authorize(HttpRequest& request) const;

 private:
  AzureCredentials(std::string account, std::optional<AzureSharedKey> key, std::string sas)
      : account_(std::move(account)), key_(std::move(key)), sas_(std::move(sas)) {}

  std::string account_;
  std::optional<AzureSharedKey> key_;
  std::string sas_;
};

}  // namespace squall
