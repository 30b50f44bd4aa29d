// One functions host: serves an app's HTTP-triggered functions through its custom handler.
// Routing, keys, the HTTP throttle, drain, and invocations (JSON protocol or forwarding) with
// functionTimeout; the worker itself is kept alive by WorkerSupervisor.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "core/clock.h"
#include "core/status.h"
#include "host/concurrency_manager.h"
#include "host/key_store.h"
#include "host/request_gate.h"
#include "host/worker_supervisor.h"
#include "http/http_client_pool.h"
#include "http/http_message.h"
#include "http/route_template.h"

namespace squall {

class EventLoop;

// What the host needs from the triggers module (src/triggers), which owns storage: the host
// itself never touches queues or blobs.
class TriggerBindings {
 public:
  virtual ~TriggerBindings() = default;
  // Writes the non-HTTP outputs (queue messages...) a succeeded invocation returned in
  // `response_json`; the invocation only counts as done (HTTP answered, queue message deleted)
  // after done(Ok). A function without such outputs gets done(Ok) at once.
  virtual void WriteOutputs(const FunctionConfig& fn, std::string_view response_json,
                            std::function<void(Status)> done) = 0;
  // Runs a non-HTTP function once with `input` as its trigger value (POST /admin/functions/x).
  // kNotFound when the function has no trigger squall runs.
  virtual Status RunOnce(const FunctionConfig& fn, std::string input) = 0;
};

struct FunctionHostOptions {
  std::string host_id;       // shown by /admin/host/status
  std::string host_version;  // sent as X-Azure-Functions-HostVersion
  WorkerSupervisorOptions worker;
  // When non-empty, only these functions (by name, any case) are served and have their triggers
  // run; the others answer 404 as if absent. A flex instance serves one scale group this way.
  std::vector<std::string> functions;
  // What the instance may use (its plan's limits; the platform passes them): the CPU a health
  // check measures against, and the memory the memory throttle compares with (0 = unknown).
  double cpu_cores = 1;
  std::int64_t instance_memory_bytes = 0;
  // Flex's per-instance HTTP concurrency (0 = none): caps maxConcurrentRequests.
  int http_per_instance_concurrency = 0;
  // How health checks read the host's and worker's usage; unset = /proc (the process tree).
  HostHealthMonitor::UsageReader usage_reader;
};

class FunctionHost final : public HttpHandler {
 public:
  // Validates what the loader cannot (routes); errors are ConfigIssues naming file and field.
  static StatusOr<std::unique_ptr<FunctionHost>> Create(EventLoop& loop, Clock& clock,
                                                        const AppConfig& app, KeyStore keys,
                                                        WorkerLauncher& launcher,
                                                        FunctionHostOptions options,
                                                        std::vector<ConfigIssue>* issues);
  ~FunctionHost() override;

  void Start();
  // Refuses new work, lets running invocations finish (at most kStopGrace), stops the worker;
  // done runs when it is gone.
  void Stop(std::function<void()> done);
  static constexpr Duration kStopGrace = std::chrono::seconds(5);

  void Handle(HttpRequest request, Responder respond) override;

  struct HttpFunction {
    const FunctionConfig* config = nullptr;
    const Binding* trigger = nullptr;
    std::string route;  // template without prefix
    std::string log_category;  // "Function.<name>", built once
    bool forward = false;
  };
  // For printing URLs at start: every HTTP function with its full route (prefix included).
  std::vector<std::pair<const HttpFunction*, std::string>> HttpRoutes() const;
  const std::vector<const FunctionConfig*>& unsupported() const { return unsupported_; }
  // Queue- and timer-triggered functions this host runs (after --functions filtering).
  std::vector<const FunctionConfig*> TriggerFunctions() const;

  // Set once before Start(); without it, functions with queue outputs fail and admin runs of
  // non-HTTP functions answer 404.
  void SetTriggerBindings(TriggerBindings* bindings) { bindings_ = bindings; }
  // For trigger listeners: runs `fn` (one of TriggerFunctions()) with `body`, the invocation's
  // JSON ({"Data":...,"Metadata":...}), through the same pipeline as HTTP: waits for the worker,
  // functionTimeout, drain accounting, outputs written. done gets the worker's JSON response, or
  // why it failed (kUnavailable: refused because the host drains or stops; nothing ran).
  void InvokeTrigger(const FunctionConfig& fn, std::string body,
                     std::function<void(StatusOr<std::string>)> done);
  // The app's warmupTrigger function (Azure: it runs on an instance a scale-out adds, before the
  // instance takes work, and cannot be invoked otherwise): whether there is one, and running it
  // once. While it runs the host reports itself "Initialized", so the platform routes nothing
  // to it. done gets why it failed, if it did; a failed warmup does not keep the instance out.
  bool has_warmup() const { return warmup_.has_value(); }
  const FunctionConfig* warmup_function() const { return warmup_ ? warmup_->config : nullptr; }
  void RunWarmup(std::function<void(Status)> done);
  bool warming() const { return warming_.load(); }

  // False while draining or stopping: listeners stop taking new work.
  bool accepting() const { return !draining_ && !stopping_; }

  // Drain as Azure's admin API has it.
  enum class DrainState { kDisabled, kInProgress, kCompleted };
  void Drain();
  void Resume();
  DrainState drain_state() const;
  int outstanding() const { return outstanding_.load(); }
  // Non-HTTP executions that ended (succeeded, failed or timed out) and their total time: the
  // platform meters them (HTTP ones it sees at its front door).
  std::int64_t trigger_executions() const { return trigger_executions_.load(); }
  Duration trigger_execution_time() const { return Duration(trigger_execution_ns_.load()); }

  ConcurrencyManager& concurrency() { return *concurrency_; }

 private:
  struct Invocation;
  FunctionHost(EventLoop& loop, Clock& clock, const AppConfig& app, KeyStore keys,
               WorkerLauncher& launcher, FunctionHostOptions options);

  void HandleAdmin(const HttpRequest& request, const std::vector<std::string>& segments,
                   Responder respond);
  // Past the app-wide HTTP gate: the function's dynamic-concurrency gate, then Invoke.
  void AdmitToFunction(std::shared_ptr<Invocation> inv);
  // A non-HTTP function's invocation (InvokeTrigger, RunWarmup).
  void InvokeEntry(const HttpFunction* entry, std::string body,
                   std::function<void(StatusOr<std::string>)> done);
  void Invoke(std::shared_ptr<Invocation> inv);
  // Sends once a worker newer than generation `newer_than` is ready (503 if none in time).
  void WaitForWorker(std::shared_ptr<Invocation> inv, std::uint64_t newer_than);
  void SendToWorker(std::shared_ptr<Invocation> inv, WorkerEndpoint endpoint);
  void Finish(const std::shared_ptr<Invocation>& inv, HttpResponse response, bool succeeded,
              const std::string& detail);
  // After the worker answered 2xx to the JSON protocol: outputs, then the caller's response.
  void Complete(const std::shared_ptr<Invocation>& inv, std::string worker_body);
  bool HasBoundOutputs(const FunctionConfig& fn) const;
  void HandleAdminInvoke(const HttpRequest& request, const std::string& name, Responder respond);
  std::shared_ptr<HttpClientPool> PoolFor(const WorkerEndpoint& endpoint);
  void ArmTimeout(const std::shared_ptr<Invocation>& inv);
  void DisarmTimeout(Invocation& inv);
  void OnTimeoutTimer();
  void TimeOut(const std::shared_ptr<Invocation>& inv);

  EventLoop& loop_;
  Clock& clock_;
  const AppConfig& app_;
  KeyStore keys_;
  FunctionHostOptions options_;
  WorkerSupervisor supervisor_;
  RequestGate gate_;
  std::unique_ptr<ConcurrencyManager> concurrency_;  // made once the functions are known
  Router router_;
  std::vector<HttpFunction> http_functions_;
  std::vector<HttpFunction> trigger_functions_;  // queue/timer: no route
  std::optional<HttpFunction> warmup_;           // the warmupTrigger function, if any
  std::atomic<bool> warming_{false};             // RunWarmup's invocation is running
  TriggerBindings* bindings_ = nullptr;
  std::vector<const FunctionConfig*> unsupported_;
  std::vector<std::string> prefix_segments_;
  MonoTime started_at_;

  std::mutex pool_mu_;
  std::shared_ptr<HttpClientPool> pool_;
  std::uint64_t pool_generation_ = 0;

  // functionTimeout is one duration for all, so deadlines expire in arrival order: a FIFO with
  // O(1) removal and one Clock timer replace a timer per invocation.
  std::mutex timeouts_mu_;
  std::list<std::shared_ptr<Invocation>> timeouts_;
  TimerId timeout_timer_ = kNoTimer;

  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> outstanding_{0};
  std::atomic<std::int64_t> trigger_executions_{0};
  std::atomic<std::int64_t> trigger_execution_ns_{0};
};

}  // namespace squall
