#include "storage/storage.h"

#include "storage/azure_storage.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_storage.h"

namespace squall {

StatusOr<Storage> OpenStorage(const StorageConnection& connection,
                              const std::filesystem::path& app_root, EventLoop& loop,
                              Clock& clock) {
  if (connection.kind == StorageConnection::Kind::kAzure) {
    return OpenAzureStorage(connection, loop, clock);
  }
  return OpenSqliteStorage(EmbeddedStoragePath(app_root), loop, clock);
}

std::filesystem::path EmbeddedStoragePath(const std::filesystem::path& app_root) {
  return app_root / ".squall" / "storage.db";
}

std::filesystem::path EmbeddedChangeSignalPath(const std::filesystem::path& app_root) {
  return EmbeddedChangeSignalPathFor(EmbeddedStoragePath(app_root));
}

}  // namespace squall
