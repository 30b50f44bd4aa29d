#include "storage/sqlite_owner_registry.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "storage/sqlite_connection.h"

namespace squall {
namespace {

std::string ReadFirstLine(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

const std::string& BootId() {
  static const std::string id = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  return id;
}

// Field 22 of /proc/<pid>/stat. The command name (field 2) may hold spaces and ')', so the
// fields are counted from the last ')'.
std::optional<std::int64_t> StartTime(std::int64_t pid) {
  std::string stat = ReadFirstLine("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  try {
    return std::stoll(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

ProcessIdentity ProcessIdentity::Self() {
  auto self = Of(::getpid());
  return self ? *self : ProcessIdentity{::getpid(), 0, BootId()};
}

std::optional<ProcessIdentity> ProcessIdentity::Of(std::int64_t pid) {
  auto start = StartTime(pid);
  if (!start) return std::nullopt;
  return ProcessIdentity{pid, *start, BootId()};
}

bool ProcessAlive(const ProcessIdentity& identity) {
  if (identity.pid <= 0) return false;  // kill(0 or -n) would mean process groups
  if (identity.boot_id != BootId()) return false;
  // EPERM: it exists under another user.
  if (::kill(static_cast<pid_t>(identity.pid), 0) != 0 && errno == ESRCH) return false;
  auto now = ProcessIdentity::Of(identity.pid);
  return now && now->start_time == identity.start_time;
}

Status SqliteOwnerRegistry::Register(SqliteConnection& db, const std::string& owner,
                                     std::int64_t now_ns) {
  if (registered_.contains(owner)) return Status::Ok();
  SqliteStatement upsert = db.Prepare(
      "INSERT INTO owners(owner, pid, start_time, boot_id, registered_at) "
      "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(owner) DO UPDATE SET pid = excluded.pid, "
      "start_time = excluded.start_time, boot_id = excluded.boot_id, "
      "registered_at = excluded.registered_at");
  upsert.Bind(1, owner).Bind(2, self_.pid).Bind(3, self_.start_time).Bind(4, self_.boot_id);
  upsert.Bind(5, now_ns);
  if (Status s = upsert.Run(); !s.ok()) return s;
  registered_.insert(owner);
  return Status::Ok();
}

StatusOr<std::vector<std::string>> SqliteOwnerRegistry::DeadOwners(SqliteConnection& db) const {
  std::vector<std::string> dead;
  SqliteStatement owners = db.Prepare("SELECT owner, pid, start_time, boot_id FROM owners");
  while (owners.Step()) {
    ProcessIdentity who{owners.Int(1), owners.Int(2), owners.Text(3)};
    if (who == self_ || ProcessAlive(who)) continue;
    dead.push_back(owners.Text(0));
  }
  if (!owners.ok()) return owners.status();
  return dead;
}

Status SqliteOwnerRegistry::Forget(SqliteConnection& db, const std::string& owner) {
  registered_.erase(owner);
  return db.Prepare("DELETE FROM owners WHERE owner = ?1").Bind(1, owner).Run();
}

}  // namespace squall
