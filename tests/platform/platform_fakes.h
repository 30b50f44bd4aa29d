// Test doubles for the platform's seams: an InstanceManager that records what it is asked and
// ends instances when told, and an InstanceProbe whose answers the test sets.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "platform/instance_manager.h"
#include "platform/instance_probe.h"

namespace squall {

class FakeInstances : public InstanceManager {
 public:
  StatusOr<InstanceInfo> Start(const InstanceSpec& spec) override {
    InstanceInfo info;
    info.id = spec.id;
    info.group = spec.group;
    info.host = "127.0.0.1";
    info.port = 40000 + static_cast<int>(started.size());
    started.push_back(spec);
    live.insert(spec.id);
    return info;
  }
  void Stop(const std::string& id, Duration) override { stopped.push_back(id); }
  std::vector<InstanceInfo> List() const override { return listed; }
  void OnExit(ExitListener listener) override { listeners.push_back(std::move(listener)); }
  ResourceUsage Usage(const std::string&) const override { return {}; }

  // The instance ended (asynchronously, as a real one does).
  void Exit(const std::string& id, const std::string& how) {
    live.erase(id);
    for (auto& l : listeners) l(id, how);
  }

  std::vector<InstanceSpec> started;
  std::vector<InstanceInfo> listed;  // what List() says (tests set it)
  std::vector<std::string> stopped;
  std::set<std::string> live;
  std::vector<ExitListener> listeners;
};

class FakeProbe : public InstanceProbe {
 public:
  void CheckReady(const InstanceInfo& instance, std::function<void(Readiness)> done) override {
    ++checks[instance.id];
    Readiness r;
    r.ready = ready.count(instance.id) > 0;
    r.host_up = r.ready || host_up.count(instance.id) > 0;
    r.worker_startup = worker_startup;
    if (auto it = executions.find(instance.id); it != executions.end()) {
      r.trigger_executions = it->second.first;
      r.trigger_execution_time = it->second.second;
    }
    done(r);
  }
  void Drain(const InstanceInfo& instance,
             std::function<void(std::optional<DrainStatus>)> done) override {
    ++drains[instance.id];
    if (silent.count(instance.id) > 0) return done(std::nullopt);
    DrainStatus s;
    auto it = outstanding.find(instance.id);
    s.outstanding = it == outstanding.end() ? 0 : it->second;
    if (auto e = executions.find(instance.id); e != executions.end()) {
      s.trigger_executions = e->second.first;
      s.trigger_execution_time = e->second.second;
    }
    done(s);
  }
  void Forget(const std::string& instance_id) override { forgotten.insert(instance_id); }
  std::map<std::string, int> outstanding;  // invocations a draining host still runs
  std::set<std::string> silent;            // hosts that do not answer a drain
  std::map<std::string, int> drains;
  std::optional<Duration> worker_startup;
  std::map<std::string, std::pair<std::int64_t, Duration>> executions;  // reported counters
  std::set<std::string> ready;
  std::set<std::string> host_up;  // answering, worker not ready yet
  std::map<std::string, int> checks;
  std::set<std::string> forgotten;
};

}  // namespace squall
