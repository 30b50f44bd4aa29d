#include "cli/platform_runner.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>

#include "cli/app_loading.h"
#include "core/cpu_slice.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/real_clock.h"
#include "core/signals.h"
#include "host/child_process.h"
#include "host/key_store.h"
#include "http/http_server.h"
#include "platform/http_instance_probe.h"
#include "cli/memory_commands.h"
#include "cli/memory_setup.h"
#include "config/local_settings.h"
#include "platform/app_content_hash.h"
#include "platform/host_version_watcher.h"
#include "platform/local_instance_manager.h"
#include "platform/platform.h"
#include "platform/platform_direct_connections.h"
#include "platform/trigger_monitor.h"
#include "storage/file_change_watcher.h"
#include "storage/sqlite_memory_store.h"
#include "storage/storage.h"
#include "triggers/trigger_config.h"
#include <set>
#include <thread>
#include "scale/duration_flag.h"
#include "scale/scale_groups.h"
#include "scale/scale_policy.h"

namespace squall::cli {

namespace {

constexpr const char* kCategory = "Platform";
// The platform's processes wake for microseconds of work per request (docs/architecture.md,
// "CPU slice"): the kernel's shortest slice.
constexpr Duration kDefaultPlatformCpuSlice = kMinCpuSlice;

// Flags to PlanOptions; a duration that does not parse is an error naming the flag.
StatusOr<PlanOptions> ToPlanOptions(const PlanFlags& flags, const AppConfig& app) {
  PlanOptions o;
  o.plan = flags.plan;
  o.sku = flags.sku;
  o.instance_memory_mb = flags.instance_memory;
  o.instance_cores = flags.instance_cores;
  o.always_ready = flags.always_ready;
  o.prewarmed = flags.prewarmed;
  o.max_burst = flags.max_burst;
  o.scale_limit = flags.scale_limit;
  o.instances = flags.instances;
  if (auto it = app.settings.values.find("WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT");
      it != app.settings.values.end()) {
    o.max_scale_out_setting = it->second;
  }
  const std::pair<const char*, std::optional<Duration>*> durations[] = {
      {"--idle-timeout", &o.idle_timeout},       {"--decision-interval", &o.decision_interval},
      {"--scale-in-delay", &o.scale_in_delay},   {"--http-rate-limit", &o.http_rate_limit},
      {"--other-rate-limit", &o.other_rate_limit}, {"--drain-grace", &o.drain_grace}};
  for (const auto& [flag, slot] : durations) {
    auto it = flags.durations.find(flag);
    if (it == flags.durations.end()) continue;
    auto d = ParseDurationFlag(it->second, flag);
    if (!d.ok()) return d.status();
    *slot = *d;
  }
  return o;
}

// A price table from JSON: {"perMillionExecutions": 0.2, "perExecutionGbSecond": 0.000016,
// "freeExecutions": 1000000, "freeExecutionGbSeconds": 400000, "perCoreSecond": ...,
// "perGbSecond": ...}; every field optional (0), each a non-negative number.
StatusOr<PriceTable> LoadPrices(const std::string& file) {
  std::ifstream in(file);
  if (!in) return InvalidArgument(file + ": cannot read the price table");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object()) return InvalidArgument(file + ": expected a JSON object of prices");
  PriceTable t;
  const std::pair<const char*, double*> fields[] = {
      {"perMillionExecutions", &t.per_million_executions},
      {"perExecutionGbSecond", &t.per_execution_gb_second},
      {"freeExecutions", &t.free_executions},
      {"freeExecutionGbSeconds", &t.free_execution_gb_seconds},
      {"perCoreSecond", &t.per_core_second},
      {"perGbSecond", &t.per_gb_second}};
  for (const auto& [key, value] : v.get_object()) {
    double* slot = nullptr;
    for (const auto& [name, p] : fields)
      if (key == name) slot = p;
    if (!slot) return InvalidArgument(file + ": /" + std::string(key) + ": unknown price");
    if (!value.is_number() || value.to_number<double>() < 0) {
      return InvalidArgument(file + ": /" + std::string(key) + ": expected a number >= 0");
    }
    *slot = value.to_number<double>();
  }
  return t;
}

// The app setting SQUALL_HOST_VERSION as it is now (local.settings.json Values, then the
// environment, as app settings are layered), resolved against the installed host builds.
// Errors name the file and field, or the environment variable.
StatusOr<std::string> ResolveHostVersion(const std::filesystem::path& app_root,
                                         const HostVersions& versions) {
  std::filesystem::path file = app_root / "local.settings.json";
  std::string where = std::string("environment variable ") + kHostVersionSetting;
  std::string pin;
  bool from_file = false;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<ConfigIssue> errors, warnings;
    LocalSettings settings = ParseLocalSettings(text.str(), file.string(), errors, warnings);
    if (!errors.empty()) return InvalidArgument(errors.front().ToString());
    if (auto it = settings.values.find(kHostVersionSetting); it != settings.values.end()) {
      pin = it->second;
      from_file = true;
      where = file.string() + ": /Values/" + kHostVersionSetting;
    }
  }
  if (!from_file) {
    if (const char* env = std::getenv(kHostVersionSetting)) pin = env;
  }
  auto v = versions.Resolve(pin);
  if (!v.ok()) return InvalidArgument(where + ": " + v.status().message());
  return v->name;
}

AppTraits TraitsOf(const AppConfig& app) {
  AppTraits t;
  const std::string& exe = app.host.custom_handler.default_executable_path;
  t.python = exe.find("python") != std::string::npos;
  if (app.host.http.max_concurrent_requests > 0) {
    t.max_concurrent_requests = app.host.http.max_concurrent_requests;
  }
  for (const auto& f : app.functions) {
    if (!f.disabled && f.trigger_kind() == TriggerKind::kWarmup) t.warmup = true;
  }
  return t;
}

// --cpu-slice (default 0.1 ms) for this thread, and so for the threads started after it; false
// (the error printed) when the flag is not a valid slice. A kernel that refuses it costs a
// warning, not the start. *applied is the slice the instances are to set for themselves.
bool ApplyCpuSlice(const PlanFlags& flags, Duration* applied) {
  Duration slice = kDefaultPlatformCpuSlice;
  if (auto it = flags.durations.find("--cpu-slice"); it != flags.durations.end()) {
    auto parsed = ParseDurationFlag(it->second, "--cpu-slice");
    if (!parsed.ok()) {
      fmt::print(stderr, "squall: {}\n", parsed.status().message());
      return false;
    }
    slice = *parsed;
  }
  Status set = SetThreadCpuSlice(slice);
  if (set.code() == StatusCode::kInvalidArgument) {
    fmt::print(stderr, "squall: --cpu-slice: {}\n", set.message());
    return false;
  }
  if (!set.ok()) {
    LogWarn(kCategory, "cannot set the CPU slice: {}", set.message());
    return true;  // instances would fail the same way: they are not asked to
  }
  *applied = slice;
  return true;
}

}  // namespace

int RunPlatform(const StartOptions& start, const PlanFlags& flags) {
  LogFormat format = start.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  InitLogging(format, LogLevel::kInformation);
  auto app = LoadAppOrReport(start.app_dir);
  if (!app) return kExitConfig;
  auto plan_options = ToPlanOptions(flags, *app);
  if (!plan_options.ok()) {
    fmt::print(stderr, "squall: {}\n", plan_options.status().message());
    return kExitConfig;
  }
  auto plan = ValidatePlan(*plan_options);
  if (!plan.ok()) {
    fmt::print(stderr, "squall: {}\n", plan.status().message());
    return kExitConfig;
  }
  std::optional<PriceTable> prices;
  if (!flags.prices_file.empty()) {
    auto loaded = LoadPrices(flags.prices_file);
    if (!loaded.ok()) {
      fmt::print(stderr, "squall: {}\n", loaded.status().message());
      return kExitConfig;
    }
    prices = *loaded;
  }
  auto keys = LoadKeysOrReport(*app);
  if (!keys) return kExitConfig;

  std::vector<ConfigIssue> trigger_issues;
  TriggerSpecs trigger_specs = ReadTriggerSpecs(*app, &trigger_issues);
  if (!trigger_issues.empty()) {
    for (const auto& e : trigger_issues) {
      fmt::print(stderr, "squall: config error: {}\n", e.ToString());
    }
    fmt::print(stderr, "squall: {} configuration error(s) in '{}'; nothing was started\n",
               trigger_issues.size(), start.app_dir);
    return kExitConfig;
  }

  // Before any thread or instance is started.
  Duration cpu_slice{0};
  if (!ApplyCpuSlice(flags, &cpu_slice)) return kExitConfig;

  EventLoop loop(1);
  auto clock = MakeRealClock(loop);

  // The storage of every queue trigger (the scale controller reads queue lengths; instances
  // that die have their leases released).
  std::map<std::string, Storage> storages;
  TriggerMonitorOptions monitor_options;
  for (const auto& spec : trigger_specs.queue_triggers) {
    if (!storages.count(spec.connection_name)) {
      auto connection =
          ParseStorageConnection(LookupAppSetting(*app, spec.connection_name).value_or(""));
      if (!connection.ok()) {
        fmt::print(stderr, "squall: config error: app setting {}: {}\n", spec.connection_name,
                   connection.status().message());
        return kExitConfig;
      }
      auto storage = OpenStorage(*connection, app->root, loop, *clock);
      if (!storage.ok()) {
        fmt::print(stderr, "squall: {}\n", storage.status().message());
        return kExitFailure;
      }
      LogInfo(kCategory, "storage '{}': {}", spec.connection_name,
              storage->queues->Describe());
      storages.emplace(spec.connection_name, std::move(*storage));
    }
    monitor_options.queues.push_back(
        {spec.function->name, spec.queue, storages.at(spec.connection_name).queues.get()});
  }
  for (const auto& spec : trigger_specs.timers) {
    monitor_options.timer_functions.push_back(spec.function->name);
  }
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  monitor_options.batch_size = app->host.queues.batch_size;
  monitor_options.new_batch_threshold = app->host.queues.NewBatchThreshold(cores);
  monitor_options.interval = plan->decision_interval;
  TriggerMonitor trigger_monitor(*clock, monitor_options);
  // Leases held by instances of an earlier run that no longer exist come back at once.
  for (auto& [name, storage] : storages) {
    storage.queues->ReleaseLeasesOfDeadOwners([name = name](StatusOr<std::int64_t> released) {
      if (released.ok() && *released > 0) {
        LogInfo(kCategory, "storage '{}': {} queue message(s) leased by instances that no longer "
                "run are visible again", name, *released);
      }
    });
  }
  std::unique_ptr<FileChangeWatcher> storage_watcher;
  if (!storages.empty()) {
    auto watcher = FileChangeWatcher::Watch(
        loop, EmbeddedChangeSignalPath(app->root),
        [&trigger_monitor] { trigger_monitor.Refresh(); });
    if (watcher.ok()) storage_watcher = std::move(*watcher);
  }

  // Host builds installed side by side; SQUALL_HOST_VERSION picks the one new instances run.
  auto machine_versions = MachineHostVersions();
  HostVersion running;
  running.name = SQUALL_VERSION;
  running.executable = "/proc/self/exe";
  HostVersions host_versions = machine_versions.ok() ? *machine_versions
                                                     : HostVersions(std::filesystem::path(), running);
  auto host_version = ResolveHostVersion(app->root, host_versions);
  if (!host_version.ok()) {
    fmt::print(stderr, "squall: config error: {}\n", host_version.status().message());
    return kExitConfig;
  }
  LogInfo(kCategory, "host version for new instances: {} (of {} in {})", *host_version,
          host_versions.List().size(), host_versions.root().string());

  LocalInstanceManagerOptions manager_options;
  manager_options.app_dir = app->root;
  manager_options.host_executable = [&host_versions](const std::string& v) -> StatusOr<std::string> {
    auto found = host_versions.Resolve(v);
    if (!found.ok()) return found.status();
    return found->builtin ? std::string() : found->executable.string();
  };
  manager_options.host_args = {"--log-format", start.log_format, "--queue-lease",
                               fmt::format("{}", start.queue_lease_seconds)};
  LocalInstanceManager manager(loop, *clock, manager_options);
  // Instances set it themselves: ChildProcess gives every child the kernel's default back.
  if (cpu_slice > Duration{0}) {
    manager.SetHostEnvironment(
        "SQUALL_INSTANCE_CPU_SLICE_US",
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(cpu_slice).count()));
  }
  if (Status s = manager.limits_status(); !s.ok()) {
    LogWarn(kCategory, "{}", s.message());
  } else {
    LogInfo(kCategory, "instance limits: {}", manager.limits_description());
  }
  HttpInstanceProbe probe(loop, keys->keys().master_key);

  PlatformOptions options;
  options.app_name = app->root.filename().string();
  options.version = SQUALL_VERSION;
  options.master_key = keys->keys().master_key;
  options.scale.plan = *plan;
  options.prices = prices;
  options.route_prefix = app->host.http.route_prefix;
  for (const auto& f : app->functions) {
    const Binding* t = f.Trigger();
    if (t && !f.disabled && f.trigger_kind() == TriggerKind::kHttp) {
      options.routes.push_back({f.name, t->route.value_or(f.name)});
    }
  }
  options.scale.app = TraitsOf(*app);
  if (!monitor_options.queues.empty() || !monitor_options.timer_functions.empty()) {
    options.scale.triggers = &trigger_monitor;
  }
  if (plan->kind == PlanKind::kFlex) {
    for (const auto& f : app->functions) {
      const Binding* t = f.Trigger();
      if (!t || f.disabled) continue;
      options.scale.group_functions[ScaleGroupOf(plan->kind, t->type, f.name)].push_back(f.name);
    }
  }
  // Memory samples are the platform's own record: always in the embedded file.
  auto memory = ConfigureMemory(flags.durations, *app, loop);
  if (!memory.ok()) {
    fmt::print(stderr, "squall: {}\n", memory.status().message());
    return memory.status().code() == StatusCode::kInvalidArgument ? kExitConfig : kExitFailure;
  }
  options.scale.host_version = *host_version;
  options.memory = memory->options;
  options.memory_store = memory->store.get();
  Platform platform(loop, *clock, manager, probe, options);

  int port = start.port;
  if (!start.port_given && app->settings.local_http_port) port = *app->settings.local_http_port;
  HttpServerOptions server_options;
  server_options.max_body_bytes = app->host.http.max_request_body_bytes;
  HttpServer server(loop, *clock, platform, server_options);
  // Direct connections: the front door hands client connections to instances with room and
  // leaves the path (platform_direct_connections.h).
  DirectConnectionOptions direct_options;
  direct_options.room_per_instance = HttpTargetPerInstance(options.scale.plan, options.scale.app);
  direct_options.draining = [&platform] { return platform.draining(); };
  direct_options.on_answered = [&platform](const std::string& target, int status,
                                           Duration latency) {
    platform.OnDirectAnswered(target, status, latency);
  };
  PlatformDirectConnections direct(loop, server, platform.front_door(), direct_options);
  if (start.direct_connections) {
    if (Status listening = direct.Listen(); listening.ok()) {
      manager.SetHostEnvironment("SQUALL_PLATFORM_EXCHANGE", direct.name());
      manager.SetHostEnvironment("SQUALL_PLATFORM_EXCHANGE_TOKEN", direct.token());
      server.SetSteering(&direct);
    } else {
      LogWarn(kCategory, "direct connections off: {}", listening.message());
    }
  }
  auto bound = server.Listen(start.listen_address, port);
  if (!bound.ok()) {
    fmt::print(stderr, "squall: {}\n", bound.status().message());
    return kExitFailure;
  }
  std::string base = fmt::format(
      "http://{}:{}", start.listen_address == "127.0.0.1" ? "localhost" : start.listen_address,
      *bound);
  fmt::print("squall {}: app '{}' on {} (plan {}, at most {} instances: {})\n\nFunctions:\n",
             SQUALL_VERSION, app->root.string(), base, PlanKindName(plan->kind),
             plan->max_instances, plan->max_instances_rule);
  for (const auto& f : app->functions) {
    const Binding* t = f.Trigger();
    if (!t || f.disabled) continue;
    if (f.trigger_kind() == TriggerKind::kHttp) {
      std::string route = app->host.http.route_prefix;
      std::string own = t->route.value_or(f.name);
      if (!route.empty() && !own.empty()) route += '/';
      fmt::print("  {}: {}/{}\n", f.name, base, route + own);
    } else if (f.trigger_kind() == TriggerKind::kQueue || f.trigger_kind() == TriggerKind::kTimer) {
      fmt::print("  {}: {}\n", f.name, t->type);
    } else if (f.trigger_kind() == TriggerKind::kWarmup) {
      fmt::print("  {}: {} (runs when a scale-out adds an instance{})\n", f.name, t->type,
                 PlanRunsWarmup(plan->kind) ? "" : "; not on this plan");
    } else {
      fmt::print("  {}: {} (not yet supported)\n", f.name, t->type);
    }
  }
  fmt::print("\nPlatform API (master key): {0}/admin/platform/instances, {0}/admin/platform/scale\n\n",
             base);
  std::fflush(stdout);

  trigger_monitor.Start();
  platform.Start();
  HostVersionWatcher version_watcher(
      *clock, *host_version, [&] { return ResolveHostVersion(app->root, host_versions); },
      [&platform](const std::string& v) { platform.SetHostVersion(v); });
  version_watcher.Start();
  bool stopping = false;
  manager.OnExit([&](const std::string&, std::string) {
    if (stopping && manager.List().empty()) loop.Stop();
  });
  OnTerminationSignal(loop, [&](int sig) {
    LogInfo(kCategory, "signal {} received: stopping every instance", sig);
    stopping = true;
    server.Close();
    direct.Close();
    trigger_monitor.Stop();
    version_watcher.Stop();
    platform.Stop();
    if (manager.List().empty()) loop.Stop();
  });
  loop.Run(1);
  // Sessions the loop still holds end after the steering (declared later) is gone.
  server.SetSteering(nullptr);
  KillAllChildProcessGroups();
  LogInfo(kCategory, "stopped");
  FlushLogs();
  return kExitOk;
}

}  // namespace squall::cli
