// squall's subcommands. Each returns the process exit code: 0 ok, 1 runtime failure,
// 2 bad configuration or usage.
#pragma once

#include <map>
#include <string>

namespace squall::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfig = 2;

struct StartOptions {
  std::string app_dir;
  int port = 7071;
  bool port_given = false;
  std::string listen_address = "127.0.0.1";
  int threads = 1;  // 0 = one per core
  std::string log_format = "text";
  double request_timeout_seconds = 60;
  double queue_lease_seconds = 600;
  double cpus = 0;    // 0 = the machine's cores
  int memory_mb = 0;  // 0 = unknown
  // --memory-interval / --memory-warmup as given (the memory sampler's).
  std::map<std::string, std::string> memory_durations;
  // With a plan: the front door hands client connections to instances with room
  // (--no-direct-connections: it proxies every request).
  bool direct_connections = true;
};
int RunStart(const StartOptions& options);

struct HostRunOptions;
// `squall host APP --port N --instance-id ID ...`: one platform instance (host_command.cpp).
int RunHostCommand(HostRunOptions options);

int RunKeysList(const std::string& app_dir, bool json);

struct QueueCommandOptions {
  std::string action;  // put | peek | length | clear
  std::string queue;
  std::string message;  // put: the text, or "-" for standard input
  std::string app_dir = ".";
  std::string connection;  // app setting naming the storage; "" = the queue's binding's
  int count = 32;          // peek
  int repeat = 1;          // put: how many copies
  bool json = false;
};
int RunQueueCommand(const QueueCommandOptions& options);

// `squall status [--app APP] [--port P] [--json]`: a running platform's state (the app's master
// key is read from APP/.squall/secrets).
int RunStatus(const std::string& app_dir, int port, bool port_given, bool as_json);

}  // namespace squall::cli
