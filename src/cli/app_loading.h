// Loading an app for a command: prints warnings and errors (file, field, what) to stderr.
#pragma once

#include <optional>
#include <string>

#include "config/app_config.h"

namespace squall::cli {

// nullopt when the app has errors (already printed).
std::optional<AppConfig> LoadAppOrReport(const std::string& app_dir);

}  // namespace squall::cli
