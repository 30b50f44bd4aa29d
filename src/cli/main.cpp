#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/memory_commands.h"
#include "cli/platform_runner.h"
#include "cli/host_runner.h"

int main(int argc, char** argv) {
  using namespace squall::cli;
  CLI::App app{"squall: a self-hosted functions platform that runs Azure Functions apps"};
  app.set_version_flag("--version", std::string("squall ") + SQUALL_VERSION);
  app.require_subcommand(1);

  StartOptions start;
  auto* start_cmd = app.add_subcommand("start", "Run a function app (an Azure Functions "
                                                "custom-handler app folder)");
  start_cmd->add_option("APP", start.app_dir, "App folder (with host.json)")->required();
  auto* port_opt = start_cmd->add_option("--port", start.port,
                                         "HTTP port (default 7071, or Host.LocalHttpPort "
                                         "from local.settings.json)")
                       ->check(CLI::Range(0, 65535));
  start_cmd->add_option("--listen", start.listen_address, "Address to listen on")
      ->capture_default_str();
  start_cmd->add_option("--threads", start.threads,
                        "Event-loop threads (0 = one per core); one is cheapest per request, "
                        "more cores are used by more instances")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  start_cmd->add_option("--log-format", start.log_format, "Log line format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  start_cmd->add_option("--request-timeout", start.request_timeout_seconds,
                        "Seconds a client has to send a request's headers (and, after them, its "
                        "body) before the connection is closed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  start_cmd->add_option("--queue-lease", start.queue_lease_seconds,
                        "Seconds a running queue message stays invisible (renewed at half)")
      ->check(CLI::Range(2.0, 3600.0))
      ->capture_default_str();

  auto* start_cpus = start_cmd->add_option(
      "--cpus", start.cpus,
      "Without --plan: the CPU the host may use (default: the machine's cores), what dynamic "
      "concurrency's CPU throttle measures against")->check(CLI::Range(0.01, 1024.0));
  auto* start_memory = start_cmd->add_option(
      "--memory-mb", start.memory_mb,
      "Without --plan: the memory the host may use in MB (default: unknown, no memory "
      "throttle)")->check(CLI::Range(1, 1 << 22));

  // Plan flags: with --plan, `start` runs the platform (front door, scale controller, instances
  // as `squall host` processes); without it, one in-process host.
  PlanFlags plan;
  auto* plan_opt = start_cmd->add_option("--plan", plan.plan,
                                         "Run the platform under this hosting plan")
                       ->check(CLI::IsMember({"consumption", "flex", "premium", "dedicated"}));
  start_cmd->add_option("--sku", plan.sku, "Premium size: EP1, EP2 or EP3");
  start_cmd->add_option("--instance-memory", plan.instance_memory, "Flex instance memory: 2048 or 4096 (MB); dedicated: the instance's memory (MB)");
  start_cmd->add_option("--instance-cores", plan.instance_cores, "Dedicated: the instance's cores (default 1, a B1)");
  start_cmd->add_option("--always-ready", plan.always_ready, "Always-ready instances (premium, flex)");
  start_cmd->add_option("--prewarmed", plan.prewarmed, "Pre-warmed instances (premium, default 1)");
  start_cmd->add_option("--max-burst", plan.max_burst, "Premium maximum burst");
  start_cmd->add_option("--scale-limit", plan.scale_limit, "functionAppScaleLimit: 0 = none, else 1..plan maximum");
  start_cmd->add_option("--instances", plan.instances, "Dedicated: the fixed instance count");
  bool no_direct = false;
  auto* no_direct_opt = start_cmd->add_flag(
      "--no-direct-connections", no_direct,
      "With a plan: the front door proxies every request instead of handing client connections "
      "to instances with room");
  start_cmd->add_option("--prices", plan.prices_file,
                        "A JSON price table; the platform then exports the cost of its usage "
                        "(examples/prices/azure-example.json)");
  std::map<std::string, CLI::Option*> duration_opts;
  std::map<std::string, std::string> duration_text;
  for (const char* flag : {"--idle-timeout", "--decision-interval", "--scale-in-delay",
                           "--http-rate-limit", "--other-rate-limit", "--drain-grace",
                           "--memory-interval", "--memory-warmup"}) {
    duration_opts[flag] = start_cmd->add_option(flag, duration_text[flag],
                                                "A duration such as 500ms, 60s, 5m, 1h");
  }
  duration_opts["--cpu-slice"] = start_cmd->add_option(
      "--cpu-slice", duration_text["--cpu-slice"],
      "With a plan: the scheduler time slice of the front door and the instances' hosts, so "
      "that they run soon after they wake (Linux 6.12+; 0.1ms to 100ms, 0 = the kernel's "
      "default; workers keep the default). Default 0.1ms");

  HostRunOptions host;
  auto* host_cmd = app.add_subcommand(
      "host", "Run one functions host (a platform instance): the app on 127.0.0.1:PORT, its log "
              "lines tagged with the instance id");
  host_cmd->add_option("APP", host.app_dir, "App folder (with host.json)")->required();
  host_cmd->add_option("--port", host.port, "HTTP port on 127.0.0.1 (0 = any free port)")
      ->required()
      ->check(CLI::Range(0, 65535));
  host_cmd->add_option("--instance-id", host.instance_id, "Instance id (in every log line)")
      ->required();
  host_cmd->add_option("--group", host.group, "Scale group the instance serves (flex)");
  host_cmd->add_option("--functions", host.functions,
                       "Serve only these functions (comma-separated); the others answer 404 "
                       "and their triggers are not run")
      ->delimiter(',');
  host_cmd->add_option("--log-format", host.log_format, "Log line format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  host_cmd->add_option("--threads", host.threads, "Event-loop threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  host_cmd->add_option("--request-timeout", host.request_timeout_seconds,
                       "Seconds a client has to send a request's headers (and body)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  host_cmd->add_option("--queue-lease", host.queue_lease_seconds,
                       "Seconds a running queue message stays invisible (renewed at half)")
      ->check(CLI::Range(2.0, 3600.0))
      ->capture_default_str();
  host_cmd->add_option("--cpus", host.cpus,
                       "CPU the instance may use (the plan's; 0 = the machine's cores): what "
                       "dynamic concurrency's CPU throttle measures against")
      ->check(CLI::Range(0.0, 1024.0))
      ->envname("SQUALL_INSTANCE_CPUS");
  host_cmd->add_option("--http-concurrency", host.http_concurrency,
                       "At most this many HTTP invocations at once on this instance (Flex's "
                       "per-instance concurrency; with host.json maxConcurrentRequests the lower "
                       "wins)")
      ->check(CLI::Range(1, 100000))
      ->envname("SQUALL_INSTANCE_HTTP_CONCURRENCY");
  host_cmd->add_option("--memory-mb", host.memory_mb,
                       "Memory the instance may use in MB (the plan's; 0 = unknown): what "
                       "dynamic concurrency's memory throttle measures against")
      ->check(CLI::Range(0, 1 << 22))
      ->envname("SQUALL_INSTANCE_MEMORY_MB");
  host_cmd
      ->add_flag("--warmup", host.warmup,
                 "Run the app's warmupTrigger function before taking work (the platform "
                 "passes it to instances a scale-out adds)")
      ->envname("SQUALL_INSTANCE_WARMUP");
  host_cmd->add_option("--cpu-slice-us", host.cpu_slice_us,
                       "The scheduler time slice of this host in microseconds (the platform's "
                       "--cpu-slice; 0 = leave it as it is)")
      ->check(CLI::Range(0, 100000))
      ->envname("SQUALL_INSTANCE_CPU_SLICE_US");

  std::string keys_app;
  bool keys_json = false;
  auto* keys_cmd = app.add_subcommand("keys", "Function keys");
  keys_cmd->require_subcommand(1);
  auto* keys_list = keys_cmd->add_subcommand("list", "Print the app's master, host and function "
                                                     "keys (creating them on first use)");
  keys_list->add_option("APP", keys_app, "App folder")->required();
  keys_list->add_flag("--json", keys_json, "Print JSON");

  QueueCommandOptions queue_options;
  auto* queue_cmd = app.add_subcommand("queue", "The app's storage queues (embedded or Azure "
                                                "Storage, as the app is configured)");
  queue_cmd->require_subcommand(1);
  for (const char* action : {"put", "peek", "length", "clear"}) {
    const char* help = std::string_view(action) == "put"      ? "Put a message on a queue"
                       : std::string_view(action) == "peek"   ? "Show visible messages"
                       : std::string_view(action) == "length" ? "Count the messages"
                                                              : "Delete every message";
    auto* sub = queue_cmd->add_subcommand(action, help);
    sub->add_option("QUEUE", queue_options.queue, "Queue name")->required();
    if (std::string_view(action) == "put") {
      sub->add_option("MESSAGE", queue_options.message, "Message text, or - for standard input")
          ->required();
      sub->add_option("--repeat", queue_options.repeat,
                      "Put the message this many times (load tests, scripts)")
          ->check(CLI::Range(1, 1000000))
          ->capture_default_str();
    }
    if (std::string_view(action) == "peek") {
      sub->add_option("--count", queue_options.count, "How many (1-32)")
          ->check(CLI::Range(1, 32))
          ->capture_default_str();
    }
    sub->add_option("--app", queue_options.app_dir, "App folder")->capture_default_str();
    sub->add_option("--connection", queue_options.connection,
                    "App setting with the storage connection string (default: the queue's "
                    "binding's, else AzureWebJobsStorage)");
    sub->add_flag("--json", queue_options.json, "Print JSON");
    sub->callback([&queue_options, action] { queue_options.action = action; });
  }

  std::string status_app = ".";
  int status_port = 7071;
  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "What a running platform is doing: plan, "
                                                  "instances, requests, cold starts, decisions");
  status_cmd->add_option("--app", status_app, "App folder (for its master key)")
      ->capture_default_str();
  auto* status_port_opt =
      status_cmd->add_option("--port", status_port, "The platform's port")->capture_default_str();
  status_cmd->add_flag("--json", status_json, "Print JSON");

  MemoryCommands memory_commands(app);  // memory, versions, diag

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitConfig;
  }

  if (*start_cmd) {
    start.port_given = port_opt->count() > 0;
    start.direct_connections = !no_direct;
    bool plan_flags = false;
    for (auto& [flag, opt] : duration_opts) {
      if (opt->count() == 0) continue;
      plan.durations[flag] = duration_text[flag];
      // The memory sampler's settings apply to one host too.
      if (std::string_view(flag).rfind("--memory-", 0) == 0) {
        start.memory_durations[flag] = duration_text[flag];
      } else {
        plan_flags = true;
      }
    }
    plan_flags = plan_flags || no_direct_opt->count() > 0 || !plan.prices_file.empty() || plan.sku || plan.instance_memory || plan.instance_cores || plan.always_ready ||
                 plan.prewarmed || plan.max_burst || plan.scale_limit || plan.instances;
    if (plan_opt->count() > 0) {
      if (start_cpus->count() > 0 || start_memory->count() > 0) {
        std::fprintf(stderr, "squall: --cpus and --memory-mb are for one host without --plan; "
                             "with a plan each instance gets its plan's CPU and memory\n");
        return kExitConfig;
      }
      return RunPlatform(start, plan);
    }
    if (plan_flags) {
      std::fprintf(stderr, "squall: plan options need --plan consumption|flex|premium|dedicated\n");
      return kExitConfig;
    }
    return RunStart(start);
  }
  if (auto rc = memory_commands.Run()) return *rc;
  if (*host_cmd) return RunHostCommand(host);
  if (*keys_list) return RunKeysList(keys_app, keys_json);
  if (*queue_cmd) return RunQueueCommand(queue_options);
  if (*status_cmd) return RunStatus(status_app, status_port, status_port_opt->count() > 0, status_json);
  return kExitConfig;
}
