// `squall memory`: the per-version memory report from the app's embedded storage.
#include <fmt/format.h>

#include <filesystem>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "cli/memory_commands.h"
#include "core/event_loop.h"
#include "memory/report_format.h"
#include "storage/sqlite_memory_store.h"

namespace squall::cli {

int RunMemoryCommand(const MemoryCommandOptions& options) {
  auto app = LoadAppOrReport(options.app_dir);
  if (!app) return kExitConfig;
  std::filesystem::path db = app->root / ".squall" / "storage.db";
  std::vector<MemorySample> samples;
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) {
    EventLoop loop(1);
    auto store = SqliteMemoryStore::Open(db, loop);
    if (!store.ok()) {
      fmt::print(stderr, "squall: {}\n", store.status().message());
      return kExitFailure;
    }
    std::optional<StatusOr<std::vector<MemorySample>>> loaded;
    (*store)->Load([&](StatusOr<std::vector<MemorySample>> r) {
      loaded.emplace(std::move(r));
      loop.Stop();
    });
    loop.Run(1);
    if (!loaded || !loaded->ok()) {
      fmt::print(stderr, "squall: cannot read memory samples from {}: {}\n", db.string(),
                 loaded ? loaded->status().message() : "no answer");
      return kExitFailure;
    }
    samples = std::move(**loaded);
  }
  MemoryReport report = BuildMemoryReport(samples, BaselineOptions{}, StepOptions{});
  ReportExtras extras;
  extras.installed = InstalledHostVersions();
  if (options.samples) extras.samples = &samples;
  if (options.json) {
    fmt::print("{}\n", MemoryReportJson(report, extras));
  } else {
    if (samples.empty()) {
      fmt::print(
          "no memory samples yet for {}: the platform records them while `squall start {} "
          "--plan ...` runs\n",
          app->root.string(), options.app_dir);
      return kExitOk;
    }
    fmt::print("{}", MemoryReportText(report, extras));
  }
  return kExitOk;
}

}  // namespace squall::cli
