// Where memory samples are kept between runs: the platform appends what it samples and reads
// it all back at start; `squall memory` reads it. The embedded SQLite implementation is
// storage/sqlite_memory_store.h. Answers come back on the caller's event loop.
#pragma once

#include <functional>
#include <vector>

#include "core/status.h"
#include "memory/memory_sample.h"

namespace squall {

class MemorySampleStore {
 public:
  virtual ~MemorySampleStore() = default;

  // Stores samples, then applies retention (samples older than max_age before `now`, beyond
  // max_per_key of a key, beyond max_total: oldest go first).
  virtual void Append(std::vector<MemorySample> samples, WallTime now,
                      const MemoryRetention& retention, std::function<void(Status)> done) = 0;
  // Every stored sample, oldest first.
  virtual void Load(std::function<void(StatusOr<std::vector<MemorySample>>)> done) = 0;
  // Records that the step from → to was reported: true the first time, false afterwards (by
  // this process or an earlier run), so the log says it once.
  virtual void MarkReported(const VersionKey& from, const VersionKey& to, WallTime now,
                            std::function<void(StatusOr<bool>)> done) = 0;
};

}  // namespace squall
