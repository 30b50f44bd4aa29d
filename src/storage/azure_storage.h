// Opens Azure Storage (or Azurite) as squall's storage: an AzureQueueStore on the account's
// Queue endpoint and an AzureLockStore on its Blob endpoint.
#pragma once

#include "core/status.h"
#include "storage/storage.h"
#include "storage/storage_connection.h"

namespace squall {

class EventLoop;
class Clock;

// `connection` must be of Kind::kAzure. Nothing is contacted until the first call (a host name
// is resolved, a TLS certificate verified, on each new connection); errors here are
// configuration errors (a bad key). The stores call back on `loop`; `clock` stamps requests
// (x-ms-date) and bounds them, and must outlive the stores.
StatusOr<Storage> OpenAzureStorage(const StorageConnection& connection, EventLoop& loop,
                                   Clock& clock);

}  // namespace squall
