#include "storage/azure_storage.h"

#include "storage/azure_credentials.h"
#include "storage/azure_lock_store.h"
#include "storage/azure_queue_store.h"
#include "storage/azure_rest_client.h"

namespace squall {

StatusOr<Storage> OpenAzureStorage(const StorageConnection& connection, EventLoop& loop,
                                   Clock& clock) {
  if (connection.kind != StorageConnection::Kind::kAzure) {
    return InvalidArgument("OpenAzureStorage: the connection is not an Azure Storage account");
  }
  auto credentials = AzureCredentials::FromConnection(connection);
  if (!credentials.ok()) return credentials.status();
  auto queues = AzureRestClient::Create(loop, clock, connection.queue_endpoint, *credentials);
  if (!queues.ok()) return queues.status();
  auto blobs = AzureRestClient::Create(loop, clock, connection.blob_endpoint, *credentials);
  if (!blobs.ok()) return blobs.status();
  Storage storage;
  storage.queues = std::make_unique<AzureQueueStore>(std::move(*queues));
  storage.locks = std::make_unique<AzureLockStore>(std::move(*blobs));
  return storage;
}

}  // namespace squall
