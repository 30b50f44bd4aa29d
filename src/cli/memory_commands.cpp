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
}

std::optional<int> MemoryCommands::Run() const {
  if (*memory_) return RunMemoryCommand(memory_options_);
  if (*versions_install_) return RunVersionsInstall(versions_options_);
  if (*versions_list_) return RunVersionsList(versions_options_);
  return std::nullopt;
}

}  // namespace squall::cli
