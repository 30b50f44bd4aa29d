// The memory and version commands (issue 6): `squall memory`, `squall versions install|list`,
// `squall diag memory`. They register themselves on the CLI11 app, so main.cpp only creates
// this object before parsing and asks it afterwards.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/status.h"
#include "versions/host_versions.h"

namespace squall::cli {

struct MemoryCommandOptions {
  std::string app_dir = ".";
  bool json = false;
  bool samples = false;  // list the samples behind each baseline
};
// `squall memory [--app APP] [--json] [--samples]`: baselines per host version and app
// content, the changes between them, regressions and the versions to pin back to, from
// APP/.squall/storage.db (no running platform needed).
int RunMemoryCommand(const MemoryCommandOptions& options);

struct VersionsCommandOptions {
  std::string path;     // install
  std::string as_name;  // install --as
  std::string app_dir;  // list --app: mark what the app's SQUALL_HOST_VERSION chooses
  bool json = false;
};
int RunVersionsInstall(const VersionsCommandOptions& options);
int RunVersionsList(const VersionsCommandOptions& options);

// The machine's installed host builds, with this binary as the running one.
StatusOr<HostVersions> MachineHostVersions();
// Their names; nullopt when there is nowhere to look (no HOME).
std::optional<std::set<std::string>> InstalledHostVersions();

struct DiagCommandOptions {
  std::string instance;
  std::string app_dir = ".";
  int port = 7071;
  bool port_given = false;
  std::string process = "host";  // host | worker
  bool no_core = false;
  int core_limit_mb = 4096;  // no core dump larger than this (nor than the free disk space)
};
// `squall diag memory INSTANCE`: smaps breakdown (and a core dump where gdb is installed) of
// the instance's host or worker, into APP/.squall/diag/.
int RunDiagMemory(const DiagCommandOptions& options);

class MemoryCommands {
 public:
  explicit MemoryCommands(CLI::App& app);
  // The exit code when one of these commands was chosen on the command line, else nullopt.
  std::optional<int> Run() const;

 private:
  CLI::App* memory_ = nullptr;
  CLI::App* versions_install_ = nullptr;
  CLI::App* versions_list_ = nullptr;
  CLI::App* diag_memory_ = nullptr;
  CLI::Option* diag_port_ = nullptr;
  MemoryCommandOptions memory_options_;
  VersionsCommandOptions versions_options_;
  mutable DiagCommandOptions diag_options_;
};

}  // namespace squall::cli
