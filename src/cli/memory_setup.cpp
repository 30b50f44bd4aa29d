#include "cli/memory_setup.h"

#include <utility>

#include "core/log.h"
#include "platform/app_content_hash.h"
#include "scale/duration_flag.h"

namespace squall::cli {

StatusOr<MemorySetup> ConfigureMemory(const std::map<std::string, std::string>& durations,
                                      const AppConfig& app, EventLoop& loop) {
  MemorySetup m;
  const std::pair<const char*, Duration*> flags[] = {{"--memory-interval", &m.options.interval},
                                                     {"--memory-warmup", &m.options.warmup}};
  for (const auto& [flag, slot] : flags) {
    auto it = durations.find(flag);
    if (it == durations.end()) continue;
    auto d = ParseDurationFlag(it->second, flag);
    if (!d.ok()) return d.status();
    *slot = *d;
  }
  if (m.options.interval <= Duration::zero()) {
    return InvalidArgument("--memory-interval: expected a duration above 0");
  }
  auto hash = AppContentHash(app.root);
  if (!hash.ok()) return hash.status();
  m.options.content_hash = *hash;
  auto store = SqliteMemoryStore::Open(app.root / ".squall" / "storage.db", loop);
  if (!store.ok()) return store.status();
  m.store = std::move(*store);
  LogInfo("Platform.Memory",
          "memory: host and worker sampled every {} ms, steady after {} s; app content {}",
          std::chrono::duration_cast<std::chrono::milliseconds>(m.options.interval).count(),
          std::chrono::duration_cast<std::chrono::seconds>(m.options.warmup).count(), *hash);
  return m;
}

}  // namespace squall::cli
