// Which process a lease owner (an instance id) is: recorded in the table `owners` when the
// owner first takes messages, so that whoever starts after a crash can tell leases held by
// owners that no longer run and give their messages back at once (not after their visibility
// timeout, 10 minutes for a queue trigger).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"

namespace squall {

class SqliteConnection;

// A process, told apart from a later one that reuses its pid.
struct ProcessIdentity {
  std::int64_t pid = 0;
  // /proc/<pid>/stat field 22 (clock ticks after boot): differs when the pid was reused.
  std::int64_t start_time = 0;
  // /proc/sys/kernel/random/boot_id: every process of an earlier boot is gone.
  std::string boot_id;

  static ProcessIdentity Self();
  // nullopt when no process has that pid (or it cannot be read).
  static std::optional<ProcessIdentity> Of(std::int64_t pid);
  bool operator==(const ProcessIdentity&) const = default;
};

// Whether the process `identity` describes still runs (kill(pid, 0), then its start time).
bool ProcessAlive(const ProcessIdentity& identity);

// The `owners` table, used from the storage thread only (inside jobs).
class SqliteOwnerRegistry {
 public:
  explicit SqliteOwnerRegistry(ProcessIdentity self) : self_(std::move(self)) {}

  // Records that `owner` is this process; a no-op after the first time.
  Status Register(SqliteConnection& db, const std::string& owner, std::int64_t now_ns);
  // Owners recorded by processes that no longer run.
  StatusOr<std::vector<std::string>> DeadOwners(SqliteConnection& db) const;
  Status Forget(SqliteConnection& db, const std::string& owner);

 private:
  ProcessIdentity self_;
  std::unordered_set<std::string> registered_;
};

}  // namespace squall
