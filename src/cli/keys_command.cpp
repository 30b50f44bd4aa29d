#include <fmt/format.h>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "host/key_store.h"

namespace squall::cli {

int RunKeysList(const std::string& app_dir, bool json) {
  auto app = LoadAppOrReport(app_dir);
  if (!app) return kExitConfig;
  auto keys = LoadKeysOrReport(*app);
  if (!keys) return kExitConfig;
  if (json) {
    fmt::print("{}\n", keys->ToJson());
    return kExitOk;
  }
  const AppKeys& k = keys->keys();
  fmt::print("master key:\n  master   {}\n", k.master_key);
  fmt::print("host keys:\n");
  for (const auto& [name, value] : k.host_keys) fmt::print("  {:<8} {}\n", name, value);
  fmt::print("function keys:\n");
  for (const auto& [fn, fkeys] : k.function_keys)
    for (const auto& [name, value] : fkeys) fmt::print("  {}/{:<8} {}\n", fn, name, value);
  return kExitOk;
}

}  // namespace squall::cli
