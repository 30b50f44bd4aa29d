// Host builds installed side by side (`squall versions install PATH`, `squall versions list`),
// and which one new instances run (the app setting SQUALL_HOST_VERSION; unset = the newest).
//
// Layout: <root>/<name>/squall (the binary, copied) and <root>/<name>/version.json (name, what
// `squall --version` printed, source path, install time). root is $SQUALL_HOME/versions,
// SQUALL_HOME defaulting to $HOME/.squall: builds are the machine's, shared by its apps. The
// running squall is always available under its own version (SQUALL_VERSION) unless a build of
// that name is installed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

inline constexpr const char* kHostVersionSetting = "SQUALL_HOST_VERSION";
// Set by the platform in every instance's environment (the worker inherits it): the version
// the instance runs. The host reports it as its version (X-Azure-Functions-HostVersion).
inline constexpr const char* kRunningHostVersionEnv = "SQUALL_HOST_RUNNING_VERSION";

struct HostVersion {
  std::string name;
  std::filesystem::path executable;
  std::string reported;      // what `<binary> --version` printed
  std::string installed_at;  // ISO 8601; "" for the running build
  std::string source;        // where it was installed from
  bool builtin = false;      // the running squall itself
};

// $SQUALL_HOME/versions, SQUALL_HOME defaulting to $HOME/.squall.
StatusOr<std::filesystem::path> HostVersionsRoot();

// "squall 0.1.0\n" → "0.1.0"; "" unless the first line is "squall <version>".
std::string ParseVersionOutput(std::string_view text);

// Runs `<binary> --version` (at most 10 s of silence, 4 KiB of output) and returns its output.
StatusOr<std::string> RunVersionFlag(const std::filesystem::path& binary);

class HostVersions {
 public:
  HostVersions(std::filesystem::path root, HostVersion running);

  // Copies binary to <root>/<name>/squall; name is as_name, else the version the binary reports.
  // The binary must answer `--version` as squall does. Installing the same bytes again under
  // the same name is a no-op; other bytes under an installed name are refused (kAlreadyExists).
  StatusOr<HostVersion> Install(const std::filesystem::path& binary, const std::string& as_name,
                                WallTime now);
  // Installed builds and the running one, newest first (CompareVersions).
  std::vector<HostVersion> List() const;
  // pin "" → the newest; else the build named pin (kNotFound naming what is installed).
  StatusOr<HostVersion> Resolve(const std::string& pin) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  HostVersion running_;
};

}  // namespace squall
