// `squall host APP --port N --instance-id ID [--group G] [--functions a,b]`: one functions host =
// one platform instance, started by the instance manager (or by hand). The same host as
// `squall start`, tagged with its instance id and optionally limited to one scale group's
// functions.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/host_runner.h"
#include "core/cpu_slice.h"
#include "platform/instance_manager.h"

namespace squall::cli {

int RunHostCommand(HostRunOptions options) {
  if (!IsValidInstanceId(options.instance_id)) {
    fmt::print(stderr,
               "squall: --instance-id '{}': expected 1 to 64 letters, digits, '.', '_' or '-', "
               "starting with a letter or digit\n",
               options.instance_id);
    return kExitConfig;
  }
  for (const auto& f : options.functions) {
    if (f.empty()) {
      fmt::print(stderr, "squall: --functions: empty function name\n");
      return kExitConfig;
    }
  }
  // Before the host starts any thread (they inherit it); its worker gets the default back.
  if (options.cpu_slice_us > 0) {
    Status set = SetThreadCpuSlice(std::chrono::microseconds(options.cpu_slice_us));
    if (!set.ok()) fmt::print(stderr, "squall: cannot set the CPU slice: {}\n", set.message());
  }
  options.port_given = true;  // an instance serves where it is told, never LocalHttpPort
  options.listen_address = "127.0.0.1";
  return RunHost(options);
}

}  // namespace squall::cli
