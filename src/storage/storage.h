// Opens the storage an app's connection string names (storage_connection.h).
#pragma once

#include <filesystem>
#include <memory>

#include "core/status.h"
#include "storage/lock_store.h"
#include "storage/queue_store.h"
#include "storage/storage_connection.h"

namespace squall {

class EventLoop;
class Clock;

struct Storage {
  std::unique_ptr<QueueStore> queues;
  std::unique_ptr<LockStore> locks;
};

// Embedded: opens (creates) APP/.squall/storage.db. Azure: clients for the endpoints; nothing
// is contacted until the first call. The stores call back on `loop`.
// APP/.squall/storage.db: the embedded store every process of the app shares.
std::filesystem::path EmbeddedStoragePath(const std::filesystem::path& app_root);
// The file the embedded store touches after each commit that makes work visible (a put, a
// release): what idle listeners watch to poll at once.
std::filesystem::path EmbeddedChangeSignalPath(const std::filesystem::path& app_root);

StatusOr<Storage> OpenStorage(const StorageConnection& connection,
                              const std::filesystem::path& app_root, EventLoop& loop,
                              Clock& clock);

}  // namespace squall
