// One functions host in this process: what `squall start` runs today and what `squall host` (one
// platform instance) runs. Loads the app and its keys, serves it on listen_address:port, starts
// the worker, and stops it on SIGINT/SIGTERM.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace squall::cli {

struct HostRunOptions {
  std::string app_dir;
  int port = 7071;
  bool port_given = false;  // else Host.LocalHttpPort from local.settings.json wins when set
  std::string listen_address = "127.0.0.1";
  int threads = 1;  // 0 = one per core
  std::string log_format = "text";
  double request_timeout_seconds = 60;
  // Platform instance only (`squall host`); empty for `squall start`.
  std::string instance_id;           // tags every log line; /admin/host/status "id"
  std::string group;                 // the scale group the instance serves (logged)
  std::vector<std::string> functions;  // non-empty: serve only these (must exist in the app)
  // How long a taken queue message stays invisible while it runs (renewed at half). Azure's is
  // 10 minutes; tests shorten it to see a killed instance's messages come back.
  double queue_lease_seconds = 600;
  // The instance's share of the machine (the platform passes its plan's limits).
  double cpus = 0;     // 0 = the machine's cores
  int memory_mb = 0;   // 0 = unknown: no memory throttle
  int http_concurrency = 0;  // Flex's per-instance HTTP concurrency; 0 = none
  bool warmup = false;       // added by a scale-out: run the app's warmup function first
  int cpu_slice_us = 0;      // the platform's --cpu-slice for its instances; 0 = leave as is
  // `squall start` without a plan: the host samples its own and its worker's memory into the
  // app's memory record (`squall memory`); under a platform the platform samples instances.
  bool sample_memory = false;
  std::map<std::string, std::string> memory_durations;  // --memory-interval / --memory-warmup
};

// Returns the process exit code (commands.h).
int RunHost(const HostRunOptions& options);

}  // namespace squall::cli
