#include "cli/memory_commands.h"

#include "cli/commands.h"

namespace squall::cli {

MemoryCommands::MemoryCommands(CLI::App& app) {
  memory_ = app.add_subcommand(
      "memory",
      "Memory per host version and app content: steady-state baselines, the changes "
      "between them, regressions and the versions to pin back to");
  memory_->add_option("--app", memory_options_.app_dir, "App folder")->capture_default_str();
  memory_->add_flag("--json", memory_options_.json, "Print JSON");
  memory_->add_flag("--samples", memory_options_.samples,
                    "Also list the samples behind each baseline");

  auto* versions = app.add_subcommand(
      "versions",
      "Host builds installed side by side (the app setting SQUALL_HOST_VERSION pins "
      "the one new instances run; unset = the newest)");
  versions->require_subcommand(1);
  versions_install_ =
      versions->add_subcommand("install",
                               "Install a squall build (copied into $SQUALL_HOME/versions, default "
                               "~/.squall/versions) under the version it reports, or --as NAME");
  versions_install_->add_option("PATH", versions_options_.path, "The squall binary")->required();
  versions_install_->add_option("--as", versions_options_.as_name,
                                "Install under this version name instead");
  versions_list_ = versions->add_subcommand("list", "The installed host builds, newest first");
  versions_list_->add_option("--app", versions_options_.app_dir,
                             "Show which build this app's new instances run");
  versions_list_->add_flag("--json", versions_options_.json, "Print JSON");

  auto* diag = app.add_subcommand("diag", "Diagnostics of a running instance");
  diag->require_subcommand(1);
  diag_memory_ = diag->add_subcommand(
      "memory",
      "Write the smaps breakdown of an instance's host (or worker) and, where gdb is "
      "installed, a core dump of it (gcore) into APP/.squall/diag/");
  diag_memory_
      ->add_option("INSTANCE", diag_options_.instance, "Instance id (squall status lists them)")
      ->required();
  diag_memory_->add_option("--app", diag_options_.app_dir, "App folder")->capture_default_str();
  diag_port_ = diag_memory_->add_option("--port", diag_options_.port, "The platform's port")
                   ->capture_default_str();
  diag_memory_->add_option("--process", diag_options_.process, "Which process")
      ->check(CLI::IsMember({"host", "worker"}))
      ->capture_default_str();
  diag_memory_->add_flag("--no-core", diag_options_.no_core, "No core dump");
  diag_memory_
      ->add_option("--core-limit", diag_options_.core_limit_mb,
                   "Largest core dump to write, in MB (it is estimated first; never more "
                   "than the free disk space less 1 GiB)")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
}

std::optional<int> MemoryCommands::Run() const {
  if (*memory_) return RunMemoryCommand(memory_options_);
  if (*versions_install_) return RunVersionsInstall(versions_options_);
  if (*versions_list_) return RunVersionsList(versions_options_);
  if (*diag_memory_) {
    diag_options_.port_given = diag_port_->count() > 0;
    return RunDiagMemory(diag_options_);
  }
  return std::nullopt;
}

}  // namespace squall::cli
