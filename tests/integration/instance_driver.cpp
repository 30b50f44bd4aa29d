// A small program that drives a real LocalInstanceManager for test_instances.py: commands on
// stdin, JSON events on stdout, the manager's logs on stderr. The platform (`squall start`) is
// the real user; this lets the local backend (processes, cgroups, exits) be tested on its own.
//
//   instance-driver SQUALL_BIN APP_DIR [--no-cgroups]
//   start ID GROUP|- FUNCTIONS|- MEMORY_MB CORES   -> {"event":"started",...} | {"event":"error",...}
//   stop ID GRACE_MS                               -> later {"event":"exit","id":..,"how":..}
//   usage ID                                       -> {"event":"usage",...}
//   list                                           -> {"event":"list","ids":[...]}
//   quit (or end of input)                         -> the manager is destroyed, exit 0
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/event_loop.h"
#include "core/log.h"
#include "core/real_clock.h"
#include "platform/local_instance_manager.h"

using namespace squall;

namespace {

std::mutex g_out_mu;

void Emit(const boost::json::object& o) {
  std::lock_guard lock(g_out_mu);
  std::cout << boost::json::serialize(o) << std::endl;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  if (s == "-") return out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: instance-driver SQUALL_BIN APP_DIR [--no-cgroups]\n");
    return 2;
  }
  InitLogging(LogFormat::kJson, LogLevel::kInformation);
  EventLoop loop(1);
  auto clock = MakeRealClock(loop);
  LocalInstanceManagerOptions options;
  options.executable = argv[1];
  options.app_dir = argv[2];
  options.host_args = {"--log-format", "json"};
  options.use_cgroups = !(argc > 3 && std::string(argv[3]) == "--no-cgroups");
  auto manager = std::make_unique<LocalInstanceManager>(loop, *clock, options);
  {
    Status limits = manager->limits_status();
    Emit({{"event", "limits"},
          {"ok", limits.ok()},
          {"message", limits.message()},
          {"description", manager->limits_description()}});
  }
  manager->OnExit([](const std::string& id, std::string how) {
    Emit({{"event", "exit"}, {"id", id}, {"how", how}});
  });

  auto handle = [&](const std::string& line) {
    std::stringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "start") {
      InstanceSpec spec;
      std::string group, functions;
      double memory_mb = 0;
      in >> spec.id >> group >> functions >> memory_mb >> spec.limits.cpu_cores;
      spec.group = group == "-" ? "" : group;
      spec.functions = SplitList(functions);
      spec.limits.memory_bytes = static_cast<std::int64_t>(memory_mb * 1024 * 1024);
      auto info = manager->Start(spec);
      if (!info.ok()) {
        Emit({{"event", "error"}, {"id", spec.id}, {"message", info.status().message()}});
        return;
      }
      Emit({{"event", "started"},
            {"id", info->id},
            {"pid", info->pid},
            {"host", info->host},
            {"port", info->port},
            {"endpoint", info->endpoint()}});
    } else if (cmd == "stop") {
      std::string id;
      long grace_ms = 0;
      in >> id >> grace_ms;
      manager->Stop(id, std::chrono::milliseconds(grace_ms));
    } else if (cmd == "usage") {
      std::string id;
      in >> id;
      ResourceUsage u = manager->Usage(id);
      Emit({{"event", "usage"},
            {"id", id},
            {"measured", u.measured},
            {"memoryBytes", u.memory_bytes},
            {"cpuSeconds", u.cpu_seconds}});
    } else if (cmd == "list") {
      boost::json::array ids;
      for (const auto& i : manager->List()) ids.emplace_back(i.id);
      Emit({{"event", "list"}, {"ids", ids}});
    }
  };

  std::thread reader([&] {
    for (std::string line; std::getline(std::cin, line);) {
      if (line == "quit") break;
      loop.Post([&, line] { handle(line); });
    }
    loop.Post([&] {
      manager.reset();
      loop.Stop();
    });
  });
  loop.Run(1);
  reader.join();
  FlushLogs();
  Emit({{"event", "bye"}});
  return 0;
}
