// Internal to squall: host.json text -> HostConfig, with every problem reported against `file`.
// Pure (no file system), so the loader, the unit tests and the fuzz target share it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"

namespace squall {

// Parses and validates host.json. Errors and warnings are appended; the returned config holds
// defaults wherever a value was missing or invalid, and is only meaningful when no error was
// added.
HostConfig ParseHostJson(std::string_view text, const std::string& file,
                         std::vector<ConfigIssue>& errors, std::vector<ConfigIssue>& warnings);

}  // namespace squall
