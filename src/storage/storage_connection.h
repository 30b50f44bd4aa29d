// Which storage an app uses, from its connection string (the app setting a binding's
// `connection` names, default AzureWebJobsStorage):
//   unset, empty, or "UseEmbeddedStorage=true"  -> embedded SQLite under APP/.squall/
//   "UseDevelopmentStorage=true"               -> Azurite: devstoreaccount1 on 127.0.0.1:10000
//                                                 (blob) and :10001 (queue), its well-known key
//   "DefaultEndpointsProtocol=http|https;AccountName=..;AccountKey=..;[QueueEndpoint=..;]
//    [BlobEndpoint=..;][EndpointSuffix=core.windows.net]"   -> Azure Storage (Shared Key);
//    the default endpoints are PROTOCOL://ACCOUNT.queue|blob.SUFFIX
//   "SharedAccessSignature=sv=..&sig=..;" instead of AccountKey -> the same, authorized by the
//    SAS token (AccountName may then be left out when QueueEndpoint and BlobEndpoint are given)
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace squall {

struct StorageEndpoint {
  std::string scheme;  // "http" | "https"
  std::string host;
  int port = 0;
  std::string path_prefix;  // "" for account-in-host; "/devstoreaccount1" for path-style
  std::string ToString() const;  // "http://127.0.0.1:10001/devstoreaccount1"
};

struct StorageConnection {
  enum class Kind { kEmbedded, kAzure };
  Kind kind = Kind::kEmbedded;
  // Azure only.
  std::string account_name;  // with a SAS and no AccountName: from the queue endpoint's URL
  std::string account_key;   // base64 as given; never logged. Empty with a SAS.
  std::string sas_token;     // "sv=..&sig=.." (no '?'), as given; never logged
  StorageEndpoint queue_endpoint;
  StorageEndpoint blob_endpoint;
};

// Parses a connection string. Errors name the offending key, never echo the account key.
StatusOr<StorageConnection> ParseStorageConnection(std::string_view text);

}  // namespace squall
