#include "storage/azure_storage.h"

#include "storage/azure_lock_store.h"
#include "storage/azure_queue_store.h"
#include "storage/azure_rest_client.h"
#include "storage/azure_shared_key.h"

namespace squall {

StatusOr<Storage> OpenAzureStorage(const StorageConnection& connection, EventLoop& loop,
                                   Clock& clock) {
  if (connection.kind != StorageConnection::Kind::kAzure) {
    return InvalidArgument("OpenAzureStorage: the connection is not an Azure Storage account");
  }
  auto key = AzureSharedKey::Create(connection.account_name, connection.account_key);
  if (!key.ok()) return key.status();
  auto queues = AzureRestClient::Create(loop, clock, connection.queue_endpoint, *key);
  if (!queues.ok()) return queues.status();
  auto blobs = AzureRestClient::Create(loop, clock, connection.blob_endpoint, *key);
  if (!blobs.ok()) return blobs.status();
  Storage storage;
  storage.queues = std::make_unique<AzureQueueStore>(std::move(*queues));
  storage.locks = std::make_unique<AzureLockStore>(std::move(*blobs));
  return storage;
}

}  // namespace squall
