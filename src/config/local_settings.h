// Internal to squall: local.settings.json text -> LocalSettings, with every problem reported
// against `file`. Pure (no file system), shared by the loader, tests and fuzz target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"

namespace squall {

// Parses and validates local.settings.json. Errors and warnings are appended; the result is only
// meaningful when no error was added.
LocalSettings ParseLocalSettings(std::string_view text, const std::string& file,
                                 std::vector<ConfigIssue>& errors,
                                 std::vector<ConfigIssue>& warnings);

}  // namespace squall
