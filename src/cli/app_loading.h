// Loading an app for a command: prints warnings and errors (file, field, what) to stderr.
#pragma once

#include <optional>
#include <string>

#include "config/app_config.h"
#include "host/key_store.h"

namespace squall::cli {

// nullopt when the app has errors (already printed).
std::optional<AppConfig> LoadAppOrReport(const std::string& app_dir);

// The app's keys (created on first use), or nullopt with the reason already printed.
std::optional<KeyStore> LoadKeysOrReport(const AppConfig& app);

}  // namespace squall::cli
