// Keeps one custom-handler worker running, as Azure's host does: start it on a free loopback
// port, wait until it accepts HTTP (within customHandler.initializationTimeout), restart it with
// exponential backoff when it dies, and let invocations wait (bounded) while it is not ready.
// All timing goes through the injected Clock; starting and probing go through WorkerLauncher,
// so the state machine is unit-tested on a simulated clock.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

class WorkerHandle {
 public:
  virtual ~WorkerHandle() = default;
  virtual int pid() const = 0;
  virtual void Terminate() = 0;  // polite stop (SIGTERM)
  virtual void Kill() = 0;       // SIGKILL
};

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  virtual StatusOr<int> PickPort() = 0;
  // Starts a worker listening on port; on_exit runs once when it ends, with a description.
  virtual StatusOr<std::unique_ptr<WorkerHandle>> Launch(
      int port, std::function<void(std::string how)> on_exit) = 0;
  // done(true) when the port accepts connections.
  virtual void Probe(int port, std::function<void(bool)> done) = 0;
};

struct WorkerEndpoint {
  int port = 0;
  std::uint64_t generation = 0;  // changes on every (re)start
};

struct WorkerSupervisorOptions {
  Duration initialization_timeout = std::chrono::seconds(30);
  Duration backoff_initial = std::chrono::seconds(1);
  Duration backoff_max = std::chrono::seconds(60);
  // A worker that stayed up this long resets the backoff to its initial value.
  Duration healthy_after = std::chrono::seconds(60);
  // The worker's port is probed first after probe_first_interval, each wait a quarter longer
  // than the one before, up to probe_interval: a C++ worker listens ~1 ms after it starts and
  // a Python one ~85 ms, and a fixed 20 ms made the probe most of a fast worker's cold start.
  // A probe is a loopback connect (tens of microseconds).
  Duration probe_first_interval = std::chrono::milliseconds(1);
  Duration probe_interval = std::chrono::milliseconds(20);
  Duration stop_grace = std::chrono::seconds(5);
  std::size_t max_waiters = 10000;
};

class WorkerSupervisor {
 public:
  enum class State { kIdle, kStarting, kReady, kBackoff, kStopping, kStopped };
  using ReadyCallback = std::function<void(StatusOr<WorkerEndpoint>)>;

  WorkerSupervisor(Clock& clock, WorkerLauncher& launcher, WorkerSupervisorOptions options);
  ~WorkerSupervisor();

  void Start();
  // Runs cb with the ready worker (at once if ready), or kUnavailable after max_wait or when the
  // worker fails to start. cb may run on any thread, never under the supervisor's lock.
  // With newer_than, a ready worker of that generation or older does not count: the caller
  // found it dead (connection refused) before the supervisor noticed its exit.
  void WhenReady(Duration max_wait, ReadyCallback cb, std::uint64_t newer_than = 0);
  // The ready worker, if there is one now (the common case, without building a callback).
  bool TryGetReady(WorkerEndpoint* out) const;
  // The worker of `generation` misbehaved (e.g. hung past functionTimeout): kill it and start a
  // new one at once (no backoff: it did not crash by itself).
  void Restart(std::uint64_t generation, const std::string& reason);
  // SIGTERM, then SIGKILL after stop_grace; done runs when the worker is gone.
  void Stop(std::function<void()> done);

  State state() const;
  int restarts() const;
  int pid() const;
  // How long the current worker took from start to accepting HTTP (its start-up time), once
  // it has been ready; the platform splits cold starts with it.
  std::optional<Duration> last_startup() const;
  static const char* StateName(State s);

 private:
  struct Waiter {
    ReadyCallback cb;
    TimerId timer = kNoTimer;
  };
  void LaunchLocked(std::unique_lock<std::mutex>& lock);
  void ProbeLoop(std::uint64_t generation, Duration next_wait);
  void OnReady(std::uint64_t generation);
  void OnInitTimeout(std::uint64_t generation);
  void OnExit(std::uint64_t generation, const std::string& how);
  void FailWaitersLocked(std::unique_lock<std::mutex>& lock, const Status& why);

  Clock& clock_;
  WorkerLauncher& launcher_;
  WorkerSupervisorOptions options_;
  mutable std::mutex mu_;
  State state_ = State::kIdle;
  std::unique_ptr<WorkerHandle> worker_;
  WorkerEndpoint endpoint_;
  MonoTime ready_since_{};
  MonoTime launched_at_{};
  std::optional<Duration> last_startup_;
  bool ever_ready_ = false;
  Duration next_backoff_;
  bool restart_requested_ = false;
  TimerId init_timer_ = kNoTimer;
  TimerId backoff_timer_ = kNoTimer;
  TimerId kill_timer_ = kNoTimer;
  int restarts_ = 0;
  std::function<void()> on_stopped_;
  std::list<std::shared_ptr<Waiter>> waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace squall
