// `squall start APP`: one in-process functions host serving the app on --port (host_runner).
#include "cli/commands.h"
#include "cli/host_runner.h"

namespace squall::cli {

int RunStart(const StartOptions& options) {
  HostRunOptions run;
  run.app_dir = options.app_dir;
  run.port = options.port;
  run.port_given = options.port_given;
  run.listen_address = options.listen_address;
  run.threads = options.threads;
  run.log_format = options.log_format;
  run.request_timeout_seconds = options.request_timeout_seconds;
  run.queue_lease_seconds = options.queue_lease_seconds;
  run.cpus = options.cpus;
  run.memory_mb = options.memory_mb;
  run.sample_memory = true;
  run.memory_durations = options.memory_durations;
  return RunHost(run);
}

}  // namespace squall::cli
