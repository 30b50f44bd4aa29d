// The memory sampler's settings for `squall start` (with a plan or without): --memory-interval
// and --memory-warmup, the app's content hash, and the sample store in the app's embedded
// storage file (memory samples are squall's own record, whatever AzureWebJobsStorage says).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/app_config.h"
#include "core/status.h"
#include "platform/memory_monitor.h"
#include "storage/sqlite_memory_store.h"

namespace squall {
class EventLoop;
}

namespace squall::cli {

struct MemorySetup {
  MemoryMonitorOptions options;
  std::unique_ptr<SqliteMemoryStore> store;
};

// durations: flag name ("--memory-interval") -> text as given. Errors name the flag
// (InvalidArgument) or the storage file.
StatusOr<MemorySetup> ConfigureMemory(const std::map<std::string, std::string>& durations,
                                      const AppConfig& app, EventLoop& loop);

}  // namespace squall::cli
