#include "cli/app_loading.h"

#include <fmt/format.h>

#include "core/log.h"

namespace squall::cli {

std::optional<AppConfig> LoadAppOrReport(const std::string& app_dir) {
  LoadResult result = LoadApp(app_dir);
  for (const auto& w : result.warnings) LogWarn("Config", "{}", w.ToString());
  if (!result.errors.empty() || !result.app) {
    for (const auto& e : result.errors) fmt::print(stderr, "squall: config error: {}\n", e.ToString());
    fmt::print(stderr, "squall: {} configuration error(s) in '{}'; nothing was started\n",
               result.errors.size(), app_dir);
    return std::nullopt;
  }
  return std::move(result.app);
}

std::optional<KeyStore> LoadKeysOrReport(const AppConfig& app) {
  std::vector<std::string> names;
  for (const auto& f : app.functions) names.push_back(f.name);
  auto keys = KeyStore::LoadOrCreate(app.root, names);
  if (!keys.ok()) {
    fmt::print(stderr, "squall: {}\n", keys.status().message());
    return std::nullopt;
  }
  return std::move(*keys);
}

}  // namespace squall::cli
