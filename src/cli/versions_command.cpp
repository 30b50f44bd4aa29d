// `squall versions install PATH [--as NAME]` and `squall versions list [--app APP] [--json]`.
#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "cli/memory_commands.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "triggers/trigger_config.h"
#include "versions/host_versions.h"

namespace squall::cli {

namespace {

int ExitFor(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument ? kExitConfig : kExitFailure;
}

}  // namespace

StatusOr<HostVersions> MachineHostVersions() {
  auto root = HostVersionsRoot();
  if (!root.ok()) return root.status();
  HostVersion running;
  running.name = SQUALL_VERSION;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  running.executable = ec ? std::filesystem::path("/proc/self/exe") : self;
  running.reported = SQUALL_VERSION;
  return HostVersions(*root, running);
}

std::optional<std::set<std::string>> InstalledHostVersions() {
  auto versions = MachineHostVersions();
  if (!versions.ok()) return std::nullopt;
  std::set<std::string> names;
  for (const auto& v : versions->List()) names.insert(v.name);
  return names;
}

int RunVersionsInstall(const VersionsCommandOptions& options) {
  auto versions = MachineHostVersions();
  if (!versions.ok()) {
    fmt::print(stderr, "squall: {}\n", versions.status().message());
    return kExitFailure;
  }
  EventLoop loop(1);
  auto clock = MakeRealClock(loop);
  auto v = versions->Install(options.path, options.as_name, clock->WallNow());
  if (!v.ok()) {
    fmt::print(stderr, "squall: {}\n", v.status().message());
    return ExitFor(v.status());
  }
  fmt::print("installed host version {} (squall {}) in {}\n", v->name, v->reported,
             v->executable.parent_path().string());
  return kExitOk;
}

int RunVersionsList(const VersionsCommandOptions& options) {
  auto versions = MachineHostVersions();
  if (!versions.ok()) {
    fmt::print(stderr, "squall: {}\n", versions.status().message());
    return kExitFailure;
  }
  std::optional<std::string> pin;
  if (!options.app_dir.empty()) {
    auto app = LoadAppOrReport(options.app_dir);
    if (!app) return kExitConfig;
    pin = LookupAppSetting(*app, kHostVersionSetting).value_or("");
  }
  std::vector<HostVersion> all = versions->List();
  std::string chosen;
  if (pin) {
    auto r = versions->Resolve(*pin);
    if (r.ok()) chosen = r->name;
  }
  if (options.json) {
    boost::json::array arr;
    for (std::size_t k = 0; k < all.size(); ++k) {
      const auto& v = all[k];
      boost::json::object o;
      o["name"] = v.name;
      o["executable"] = v.executable.string();
      o["reported"] = v.reported;
      o["installedAt"] = v.installed_at;
      o["source"] = v.source;
      o["running"] = v.builtin;
      o["newest"] = k == 0;
      if (pin) o["newInstances"] = v.name == chosen;
      arr.emplace_back(std::move(o));
    }
    boost::json::object out;
    out["root"] = versions->root().string();
    out["versions"] = std::move(arr);
    if (pin) out["pinned"] = pin->empty() ? boost::json::value(nullptr) : boost::json::value(*pin);
    fmt::print("{}\n", boost::json::serialize(out));
    return kExitOk;
  }
  fmt::print("host versions in {} (newest first):\n", versions->root().string());
  for (std::size_t k = 0; k < all.size(); ++k) {
    const auto& v = all[k];
    std::string notes;
    if (k == 0) notes += ", newest";
    if (v.builtin) notes += ", this squall";
    if (pin && v.name == chosen) {
      notes += pin->empty() ? ", new instances run it (SQUALL_HOST_VERSION unset)"
                            : ", new instances run it (SQUALL_HOST_VERSION)";
    }
    fmt::print("  {:<20} {}{}\n", v.name,
               v.builtin ? "(built in)" : "installed " + v.installed_at + " from " + v.source,
               notes.empty() ? "" : " [" + notes.substr(2) + "]");
  }
  if (pin && chosen.empty()) {
    fmt::print("SQUALL_HOST_VERSION={} is not installed: the platform refuses to start\n", *pin);
  }
  return kExitOk;
}

}  // namespace squall::cli
