#include "storage/azure_credentials.h"

namespace squall {

AzureCredentials::AzureCredentials(AzureSharedKey key)
    : account_(key.account()), key_(std::move(key)) {}

AzureCredentials AzureCredentials::Sas(std::string account, std::string token) {
  return AzureCredentials(std::move(account), std::nullopt, std::move(token));
}

StatusOr<AzureCredentials> AzureCredentials::FromConnection(const StorageConnection& connection) {
  if (!connection.sas_token.empty()) return Sas(connection.account_name, connection.sas_token);
  auto key = AzureSharedKey::Create(connection.account_name, connection.account_key);
  if (!key.ok()) return key.status();
  return AzureCredentials(std::move(*key));
}

void AzureCredentials::Authorize(HttpRequest& request) const {
  if (key_) {
    request.headers.push_back({"Authorization", key_->Authorization(request)});
    return;
  }
  request.target += request.target.find('?') == std::string::npos ? '?' : '&';
  request.target += sas_;
}

}  // namespace squall
