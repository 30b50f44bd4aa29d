#include "host/worker_supervisor.h"

#include <algorithm>
#include <vector>

#include "core/log.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Host.Worker";
double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

const char* WorkerSupervisor::StateName(State s) {
  switch (s) {
    case State::kIdle: return "Idle";
    case State::kStarting: return "Starting";
    case State::kReady: return "Ready";
    case State::kBackoff: return "Restarting";
    case State::kStopping: return "Stopping";
    case State::kStopped: return "Stopped";
  }
  return "Unknown";
}

WorkerSupervisor::WorkerSupervisor(Clock& clock, WorkerLauncher& launcher,
                                   WorkerSupervisorOptions options)
    : clock_(clock), launcher_(launcher), options_(options),
      next_backoff_(options.backoff_initial) {}

WorkerSupervisor::~WorkerSupervisor() {
  *alive_ = false;
  std::lock_guard lock(mu_);
  for (TimerId t : {init_timer_, backoff_timer_, kill_timer_}) clock_.Cancel(t);
  for (auto& w : waiters_) clock_.Cancel(w->timer);
  if (worker_) worker_->Kill();
}

void WorkerSupervisor::Start() {
  std::unique_lock lock(mu_);
  if (state_ != State::kIdle) return;
  LaunchLocked(lock);
}

void WorkerSupervisor::LaunchLocked(std::unique_lock<std::mutex>& lock) {
  auto port = launcher_.PickPort();
  std::uint64_t generation = ++endpoint_.generation;
  StatusOr<std::unique_ptr<WorkerHandle>> handle =
      port.ok() ? launcher_.Launch(*port,
                                   [this, alive = std::weak_ptr<bool>(alive_),
                                    generation](std::string how) {
                                     if (auto a = alive.lock(); a && *a) OnExit(generation, how);
                                   })
                : StatusOr<std::unique_ptr<WorkerHandle>>(port.status());
  if (!handle.ok()) {
    // Could not even start: same as a crash at start, so the backoff applies.
    Duration delay = next_backoff_;
    next_backoff_ = std::min(next_backoff_ * 2, options_.backoff_max);
    state_ = State::kBackoff;
    LogError(kCategory, "cannot start the worker: {}; retrying in {:.0f}s",
             handle.status().message(), Seconds(delay));
    FailWaitersLocked(lock, Unavailable("the worker could not be started: " +
                                        handle.status().message()));
    backoff_timer_ = clock_.Schedule(delay, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (auto a = alive.lock(); !a || !*a) return;
      std::unique_lock l(mu_);
      backoff_timer_ = kNoTimer;
      if (state_ == State::kBackoff) LaunchLocked(l);
    });
    return;
  }
  worker_ = std::move(*handle);
  endpoint_.port = *port;
  state_ = State::kStarting;
  launched_at_ = clock_.Now();
  LogInfo(kCategory, "worker started (pid {}, port {})", worker_->pid(), *port);
  init_timer_ = clock_.Schedule(options_.initialization_timeout,
                                [this, alive = std::weak_ptr<bool>(alive_), generation] {
                                  if (auto a = alive.lock(); a && *a) OnInitTimeout(generation);
                                });
  lock.unlock();
  ProbeLoop(generation, options_.probe_first_interval);
  lock.lock();
}

void WorkerSupervisor::ProbeLoop(std::uint64_t generation, Duration next_wait) {
  int port;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kStarting || endpoint_.generation != generation) return;
    port = endpoint_.port;
  }
  launcher_.Probe(port, [this, alive = std::weak_ptr<bool>(alive_), generation,
                         next_wait](bool ok) {
    if (auto a = alive.lock(); !a || !*a) return;
    if (ok) return OnReady(generation);
    const Duration wait = std::min(next_wait, options_.probe_interval);
    const Duration after = std::min(wait + wait / 4, options_.probe_interval);
    clock_.Schedule(wait, [this, alive, generation, after] {
      if (auto a = alive.lock(); a && *a) ProbeLoop(generation, after);
    });
  });
}

void WorkerSupervisor::OnReady(std::uint64_t generation) {
  std::list<std::shared_ptr<Waiter>> ready;
  WorkerEndpoint ep;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kStarting || endpoint_.generation != generation) return;
    state_ = State::kReady;
    clock_.Cancel(init_timer_);
    init_timer_ = kNoTimer;
    ready_since_ = clock_.Now();
    last_startup_ = ready_since_ - launched_at_;
    ever_ready_ = true;
    ready.swap(waiters_);
    for (auto& w : ready) clock_.Cancel(w->timer);
    ep = endpoint_;
    LogInfo(kCategory, "worker ready (pid {}, port {})", worker_ ? worker_->pid() : -1, ep.port);
  }
  for (auto& w : ready) w->cb(ep);
}

void WorkerSupervisor::OnInitTimeout(std::uint64_t generation) {
  std::unique_lock lock(mu_);
  init_timer_ = kNoTimer;
  if (state_ != State::kStarting || endpoint_.generation != generation) return;
  LogError(kCategory,
           "the worker did not accept HTTP on 127.0.0.1:{} within {:.0f}s "
           "(customHandler.initializationTimeout); is it listening on FUNCTIONS_CUSTOMHANDLER_PORT?",
           endpoint_.port, Seconds(options_.initialization_timeout));
  // The worker is being killed: leave kStarting so that a late successful probe cannot declare
  // it ready (and hand it to waiters) before its exit is reported.
  state_ = State::kBackoff;
  FailWaitersLocked(lock, Unavailable("the worker did not become ready within the "
                                      "initialization timeout"));
  if (worker_) worker_->Kill();  // its exit schedules the restart, with backoff
}

void WorkerSupervisor::OnExit(std::uint64_t generation, const std::string& how) {
  std::unique_lock lock(mu_);
  if (endpoint_.generation != generation) return;
  worker_.reset();
  clock_.Cancel(init_timer_);
  init_timer_ = kNoTimer;
  if (state_ == State::kStopping || state_ == State::kStopped) {
    clock_.Cancel(kill_timer_);
    kill_timer_ = kNoTimer;
    state_ = State::kStopped;
    auto done = std::move(on_stopped_);
    lock.unlock();
    LogInfo(kCategory, "worker stopped ({})", how);
    if (done) done();
    return;
  }
  bool was_ready = state_ == State::kReady;
  if (was_ready && clock_.Now() - ready_since_ >= options_.healthy_after) {
    next_backoff_ = options_.backoff_initial;
  }
  bool died_starting = state_ == State::kStarting;
  Duration delay;
  if (restart_requested_) {
    delay = Duration::zero();
    restart_requested_ = false;
  } else {
    delay = next_backoff_;
    next_backoff_ = std::min(next_backoff_ * 2, options_.backoff_max);
  }
  ++restarts_;
  state_ = State::kBackoff;
  if (delay > Duration::zero()) {
    LogError(kCategory, "worker {}; restarting in {:.0f}s", how, Seconds(delay));
  } else {
    LogWarn(kCategory, "worker {}; restarting now", how);
  }
  backoff_timer_ = clock_.Schedule(delay, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); !a || !*a) return;
    std::unique_lock l(mu_);
    backoff_timer_ = kNoTimer;
    if (state_ == State::kBackoff) LaunchLocked(l);
  });
  if (died_starting) {
    // It died before it ever accepted a request and will likely do so again: callers get a
    // prompt 503 instead of waiting out the initialization timeout.
    FailWaitersLocked(lock, Unavailable("the worker " + how + " during start-up"));
  }
}

bool WorkerSupervisor::TryGetReady(WorkerEndpoint* out) const {
  std::lock_guard lock(mu_);
  if (state_ != State::kReady) return false;
  *out = endpoint_;
  return true;
}

void WorkerSupervisor::WhenReady(Duration max_wait, ReadyCallback cb, std::uint64_t newer_than) {
  std::unique_lock lock(mu_);
  if (state_ == State::kReady && endpoint_.generation > newer_than) {
    auto ep = endpoint_;
    lock.unlock();
    return cb(ep);
  }
  if (state_ == State::kStopping || state_ == State::kStopped) {
    lock.unlock();
    return cb(Unavailable("the host is stopping"));
  }
  if (waiters_.size() >= options_.max_waiters) {
    lock.unlock();
    return cb(Unavailable("too many requests waiting for the worker to start"));
  }
  auto w = std::make_shared<Waiter>();
  w->cb = std::move(cb);
  waiters_.push_back(w);
  w->timer = clock_.Schedule(max_wait, [this, alive = std::weak_ptr<bool>(alive_),
                                        weak = std::weak_ptr<Waiter>(w)] {
    if (auto a = alive.lock(); !a || !*a) return;
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard l(mu_);
      waiter = weak.lock();
      if (!waiter) return;
      auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
      if (it == waiters_.end()) return;  // already served
      waiters_.erase(it);
    }
    waiter->cb(Unavailable("the worker is not ready (still starting or restarting)"));
  });
}

void WorkerSupervisor::FailWaitersLocked(std::unique_lock<std::mutex>& lock, const Status& why) {
  std::list<std::shared_ptr<Waiter>> failed;
  failed.swap(waiters_);
  for (auto& w : failed) clock_.Cancel(w->timer);
  lock.unlock();
  for (auto& w : failed) w->cb(why);
  lock.lock();
}

void WorkerSupervisor::Restart(std::uint64_t generation, const std::string& reason) {
  std::lock_guard lock(mu_);
  if (endpoint_.generation != generation || !worker_) return;
  if (state_ != State::kReady && state_ != State::kStarting) return;
  if (restart_requested_) return;
  LogWarn(kCategory, "restarting the worker (pid {}): {}", worker_->pid(), reason);
  restart_requested_ = true;
  // From now on callers wait for the new worker instead of getting the one being killed.
  state_ = State::kBackoff;
  worker_->Kill();
}

void WorkerSupervisor::Stop(std::function<void()> done) {
  std::unique_lock lock(mu_);
  if (state_ == State::kStopping) {
    // Already stopping (e.g. a second signal): this done runs too when the worker is gone; the
    // first Stop's SIGTERM and kill timer stand.
    if (done) {
      on_stopped_ = [first = std::move(on_stopped_), second = std::move(done)] {
        if (first) first();
        second();
      };
    }
    return;
  }
  clock_.Cancel(backoff_timer_);
  backoff_timer_ = kNoTimer;
  if (!worker_ || state_ == State::kStopped) {
    state_ = State::kStopped;
    FailWaitersLocked(lock, Unavailable("the host is stopping"));
    lock.unlock();
    if (done) done();
    return;
  }
  state_ = State::kStopping;
  on_stopped_ = std::move(done);
  FailWaitersLocked(lock, Unavailable("the host is stopping"));
  if (!worker_) return;  // exited while the lock was released
  worker_->Terminate();
  kill_timer_ = clock_.Schedule(options_.stop_grace, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); !a || !*a) return;
    std::lock_guard l(mu_);
    kill_timer_ = kNoTimer;
    if (worker_) {
      LogWarn(kCategory, "worker ignored SIGTERM for {:.0f}s; killing it",
              Seconds(options_.stop_grace));
      worker_->Kill();
    }
  });
}

WorkerSupervisor::State WorkerSupervisor::state() const {
  std::lock_guard lock(mu_);
  return state_;
}
int WorkerSupervisor::restarts() const {
  std::lock_guard lock(mu_);
  return restarts_;
}
std::optional<Duration> WorkerSupervisor::last_startup() const {
  std::lock_guard lock(mu_);
  return last_startup_;
}

int WorkerSupervisor::pid() const {
  std::lock_guard lock(mu_);
  return worker_ ? worker_->pid() : -1;
}

}  // namespace squall
