#include "cli/host_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "cli/memory_setup.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/process_usage.h"
#include "core/random.h"
#include "core/real_clock.h"
#include "core/signals.h"
#include "host/child_process.h"
#include "host/function_host.h"
#include "host/instance_direct_connections.h"
#include "host/local_worker_launcher.h"
#include "http/connection_exchange.h"
#include "http/http_message.h"
#include "http/http_server.h"
#include "platform/memory_monitor.h"
#include "platform/process_memory.h"
#include "triggers/trigger_runtime.h"

namespace squall::cli {

namespace {

std::string MethodsText(const Binding& trigger) {
  if (trigger.methods.empty()) return "ALL";
  std::string out;
  for (const auto& m : trigger.methods) out += (out.empty() ? "" : ",") + m;
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Every line of an instance carries its id, worker output included, so the platform (and a user
// reading merged logs) can tell instances apart. core/log has no process-wide field, so the id is
// put into the logger's pattern: the patterns are core/log.cpp InitLogging's plus the id (a JSON
// member, or a trailing key=value as LogFields are written). The id is a plain token
// (IsValidInstanceId), so it needs no escaping in either format or in a spdlog pattern.
void TagLogLinesWithInstance(LogFormat format, const std::string& id) {
  auto logger = spdlog::get("squall");
  if (!logger) return;
  if (format == LogFormat::kJson) {
    logger->set_pattern(
        fmt::format(R"({{"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","instance":"{}",%v}})", id),
        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern(fmt::format("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v instance={}", id),
                        spdlog::pattern_time_type::utc);
  }
}

// Every name in --functions must be a function of the app (a typo would leave an instance that
// serves nothing). Names match regardless of case, as function names do.
bool CheckFunctionsExist(const AppConfig& app, const std::vector<std::string>& wanted) {
  bool ok = true;
  for (const auto& name : wanted) {
    bool found = std::any_of(app.functions.begin(), app.functions.end(),
                             [&](const FunctionConfig& f) { return EqualsIgnoreCase(f.name, name); });
    if (!found) {
      std::vector<std::string> names;
      for (const auto& f : app.functions) names.push_back(f.name);
      fmt::print(stderr, "squall: --functions: '{}' is not a function of the app '{}' (it has: {})\n",
                 name, app.root.string(), names.empty() ? "none" : Join(names));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int RunHost(const HostRunOptions& options) {
  LogFormat format = options.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  InitLogging(format, LogLevel::kInformation);
  if (!options.instance_id.empty()) TagLogLinesWithInstance(format, options.instance_id);
  auto app = LoadAppOrReport(options.app_dir);
  if (!app) return kExitConfig;
  SetLogLevel(app->host.logging.default_level);
  SetCategoryLogLevels({app->host.logging.category_levels.begin(),
                        app->host.logging.category_levels.end()});
  if (!CheckFunctionsExist(*app, options.functions)) return kExitConfig;

  int port = options.port;
  if (!options.port_given && app->settings.local_http_port) port = *app->settings.local_http_port;

  auto keys = LoadKeysOrReport(*app);
  if (!keys) return kExitConfig;

  int threads = options.threads > 0
                    ? options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  EventLoop loop(threads);
  auto clock = MakeRealClock(loop);
  std::optional<MemorySetup> memory_setup;
  if (options.sample_memory) {
    auto setup = ConfigureMemory(options.memory_durations, *app, loop);
    if (!setup.ok()) {
      fmt::print(stderr, "squall: {}\n", setup.status().message());
      return setup.status().code() == StatusCode::kInvalidArgument ? kExitConfig : kExitFailure;
    }
    memory_setup = std::move(*setup);
  }
  LocalWorkerLauncher launcher(loop, *app);
  FunctionHostOptions host_options;
  host_options.host_id =
      options.instance_id.empty() ? app->root.filename().string() : options.instance_id;
  // An instance runs the build the platform chose under the name it was installed as (squall
  // versions); the worker sees it in X-Azure-Functions-HostVersion and in its environment.
  const char* installed_as = std::getenv("SQUALL_HOST_RUNNING_VERSION");
  host_options.host_version = installed_as && *installed_as ? installed_as : SQUALL_VERSION;
  host_options.worker.initialization_timeout = app->host.custom_handler.initialization_timeout;
  host_options.functions = options.functions;
  host_options.cpu_cores =
      options.cpus > 0 ? options.cpus : std::max(1u, std::thread::hardware_concurrency());
  host_options.instance_memory_bytes = std::int64_t{options.memory_mb} << 20;
  host_options.http_per_instance_concurrency = options.http_concurrency;
  std::vector<ConfigIssue> issues;
  auto host = FunctionHost::Create(loop, *clock, *app, std::move(*keys), launcher, host_options,
                                   &issues);
  if (!host.ok()) {
    for (const auto& e : issues) fmt::print(stderr, "squall: config error: {}\n", e.ToString());
    fmt::print(stderr, "squall: {} configuration error(s) in '{}'; nothing was started\n",
               issues.size(), options.app_dir);
    return kExitConfig;
  }

  TriggerRuntimeOptions trigger_options;
  // Owner of queue leases and timer locks: unique per process, so a restarted host is another.
  trigger_options.instance_id =
      options.instance_id.empty()
          ? fmt::format("host-{}-{}", ::getpid(), RandomUuid().substr(0, 8))
          : options.instance_id;
  // The instance's cores (the plan's), as Azure's newBatchThreshold default counts them.
  trigger_options.cores = (*host)->concurrency().cores();
  trigger_options.queue_lease = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(options.queue_lease_seconds));
  auto triggers = TriggerRuntime::Create(loop, *clock, *app, **host, trigger_options, &issues);
  if (!triggers.ok()) {
    for (const auto& e : issues) fmt::print(stderr, "squall: config error: {}\n", e.ToString());
    fmt::print(stderr, "squall: {} configuration error(s) in '{}'; nothing was started\n",
               issues.size(), options.app_dir);
    return kExitConfig;
  }

  HttpServerOptions server_options;
  server_options.max_body_bytes = app->host.http.max_request_body_bytes;
  auto timeout = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(options.request_timeout_seconds));
  server_options.idle_timeout = timeout;
  server_options.body_timeout = timeout;
  HttpServer server(loop, *clock, **host, server_options);
  // Under a platform with direct connections: client connections handed over by the front door
  // are served here (instance_direct_connections.h).
  std::unique_ptr<InstanceDirectConnections> direct;
  const char* exchange = std::getenv("SQUALL_PLATFORM_EXCHANGE");
  const char* exchange_token = std::getenv("SQUALL_PLATFORM_EXCHANGE_TOKEN");
  if (!options.instance_id.empty() && exchange && *exchange && exchange_token) {
    auto channel = ExchangeChannel::Connect(loop, exchange);
    if (channel.ok()) {
      direct = std::make_unique<InstanceDirectConnections>(
          *clock, server, **host, std::move(*channel), exchange_token, options.instance_id);
      server.SetSteering(direct.get());
    } else {
      LogWarn("Host", "direct connections off: {}", channel.status().message());
    }
  }
  auto bound = server.Listen(options.listen_address, port);
  if (!bound.ok()) {
    fmt::print(stderr, "squall: {}\n", bound.status().message());
    return kExitFailure;
  }

  std::string base = fmt::format("http://{}:{}",
                                 options.listen_address == "127.0.0.1" ? "localhost"
                                                                       : options.listen_address,
                                 *bound);
  fmt::print("squall {}: app '{}' on {}\n\nFunctions:\n", SQUALL_VERSION, app->root.string(), base);
  for (const auto& [fn, route] : (*host)->HttpRoutes()) {
    fmt::print("  {}: [{}] {}/{}{}\n", fn->config->name, MethodsText(*fn->trigger), base, route,
               fn->trigger->auth_level == AuthLevel::kAnonymous
                   ? ""
                   : fmt::format("  (authLevel {})", AuthLevelName(fn->trigger->auth_level)));
  }
  for (const auto* fn : (*host)->TriggerFunctions()) {
    const Binding* t = fn->Trigger();
    fmt::print("  {}: {}\n", fn->name, t ? t->type : "?");
  }
  if (const FunctionConfig* fn = (*host)->warmup_function()) {
    fmt::print("  {}: warmupTrigger (runs when a scale-out adds an instance)\n", fn->name);
  }
  for (const auto* fn : (*host)->unsupported()) {
    const Binding* t = fn->Trigger();
    fmt::print("  {}: {} (not yet supported)\n", fn->name, t ? t->type : "?");
  }
  fmt::print("\n");
  std::fflush(stdout);

  if (!options.instance_id.empty()) {
    LogInfo("Host", "instance {} on port {}: group '{}', serving {}", options.instance_id, *bound,
            options.group.empty() ? "-" : options.group,
            options.functions.empty() ? std::string("all functions")
                                      : "functions " + Join(options.functions));
  }
  // Without a platform the host keeps the app's memory record itself: one instance, this
  // process and its worker (`squall memory` reads the record).
  std::unique_ptr<MemoryMonitor> memory;
  if (memory_setup) {
    const std::string id = host_options.host_id;
    const std::string version = host_options.host_version;
    const MonoTime started = clock->Now();
    memory = std::make_unique<MemoryMonitor>(
        *clock,
        [id] {
          std::vector<InstanceMemoryReading> out;
          HostAndWorkerMemory m = ReadHostAndWorkerMemory(ReadProcessTree(::getpid()));
          if (m.found) out.push_back({id, m.host, m.worker, -1});
          return out;
        },
        [id, version, started] { return std::vector<MemoryInstanceTag>{{id, version, started}}; },
        memory_setup->store.get(), memory_setup->options);
    memory->Start();
  }
  (*host)->Start();
  // An instance a scale-out added runs the app's warmup function first (Azure's warmupTrigger);
  // until it has returned the host reports "Initialized" and the platform routes nothing here.
  if (options.warmup && (*host)->has_warmup()) {
    Clock* c = clock.get();
    const MonoTime began = c->Now();
    LogInfo("Host", "warmup: running function '{}' before taking work",
            (*host)->warmup_function()->name);
    (*host)->RunWarmup([c, began](Status s) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c->Now() - began).count();
      if (s.ok()) {
        LogInfo("Host", "warmup: done in {} ms", ms);
      } else {
        LogWarn("Host", "warmup: failed after {} ms ({}); taking work anyway", ms, s.message());
      }
    });
  }
  if (direct) direct->Start();
  (*host)->concurrency().Start((*triggers)->snapshot_store());
  (*triggers)->Start();
  OnTerminationSignal(loop, [&](int sig) {
    LogInfo("Host", "signal {} received: stopping", sig);
    if (memory) memory->Stop();
    if (direct) direct->Stop();
    server.Close();
    (*triggers)->Stop();
    // The host lets running invocations finish; then their messages settle (a delete lost
    // here would run the message again elsewhere) before the loop ends.
    (*host)->Stop([&] {
      WaitUntilIdle(
          *clock, [&] { return (*triggers)->InFlight() == 0; },
          clock->Now() + std::chrono::seconds(5), std::chrono::milliseconds(10),
          [&loop] { loop.Stop(); });
    });
  });
  loop.Run(threads);
  // Sessions the loop still holds end after the steering (declared later) is gone.
  server.SetSteering(nullptr);
  KillAllChildProcessGroups();  // belt and braces: nothing is left behind
  LogInfo("Host", "stopped");
  FlushLogs();
  return kExitOk;
}

}  // namespace squall::cli
