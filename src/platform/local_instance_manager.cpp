#include "platform/local_instance_manager.h"

#include <poll.h>
#include <condition_variable>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/event_loop.h"
#include "core/log.h"
#include "host/child_process.h"
#include "http/loopback.h"
#include "platform/cgroup_spawner.h"
#include "platform/process_memory.h"
#include "versions/host_versions.h"
#include "core/process_usage.h"

namespace squall {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLog = "Platform.Instances";
// How often an ended instance's cgroup is retried while its last processes exit.
constexpr Duration kCgroupRetry = std::chrono::milliseconds(20);

std::string ThisExecutable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  // A binary replaced on disk reads "... (deleted)"; /proc/self/exe still runs the old one.
  if (ec || exe.string().ends_with(" (deleted)")) return "/proc/self/exe";
  return exe.string();
}

// Blocks until every pid has exited (at most about timeout_ms per round; used only when the
// manager is destroyed, after SIGKILL, so that the instances' cgroups can be removed).
void WaitGone(const std::vector<pid_t>& pids, int timeout_ms) {
  std::vector<pollfd> fds;
  for (pid_t pid : pids) {
    int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) fds.push_back({fd, POLLIN, 0});
  }
  for (std::size_t round = 0; round <= pids.size() && !fds.empty(); ++round) {
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) break;
    std::erase_if(fds, [](const pollfd& p) {
      if (p.revents == 0) return false;
      ::close(p.fd);
      return true;
    });
  }
  for (auto& p : fds) ::close(p.fd);
}

std::string Mebibytes(std::int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

}  // namespace

struct LocalInstanceManager::Instance {
  InstanceInfo info;
  ResourceLimits limits;
  std::shared_ptr<ChildProcess> process;  // null while a spawner thread starts it
  std::optional<InstanceCgroup> cgroup;
  bool stop_requested = false;
  bool ended = false;          // the host has exited
  TimerId kill_timer = kNoTimer;
  MonoTime kill_at{};
};

LocalInstanceManager::LocalInstanceManager(EventLoop& loop, Clock& clock,
                                           LocalInstanceManagerOptions options)
    : loop_(loop), clock_(clock), options_(std::move(options)) {
  if (options_.executable.empty()) options_.executable = ThisExecutable();
  std::error_code ec;
  fs::path abs = fs::absolute(options_.app_dir, ec);
  if (!ec) options_.app_dir = abs.lexically_normal();
  if (options_.cgroup_name.empty()) options_.cgroup_name = "squall-" + std::to_string(::getpid());
  if (options_.use_cgroups) cgroups_ = PlatformCgroups::Open(options_.cgroup_name);
  if (cgroups_ && cgroups_->threads_can_join() && options_.spawner_threads > 0) {
    spawner_ = std::make_unique<CgroupSpawner>(*cgroups_, options_.spawner_threads);
    if (Status s = spawner_->status(); !s.ok()) {
      LogInfo(kLog, "instances are moved into their cgroup after they start ({})", s.message());
      spawner_.reset();
    }
  }
}

LocalInstanceManager::~LocalInstanceManager() {
  *alive_ = false;
  // First the spawner threads: a start under way finishes (its host dies with the thread, by
  // PR_SET_PDEATHSIG), the rest are dropped, and the threads leave their groups, so that every
  // group can be removed. Not under mu_: a start under way takes it.
  spawner_.reset();
  std::lock_guard lock(mu_);
  std::vector<pid_t> dying;
  for (auto& [id, inst] : instances_) {
    clock_.Cancel(inst->kill_timer);
    if (inst->process) inst->process->Kill();
    if (inst->cgroup) {
      auto pids = inst->cgroup->Processes();
      dying.insert(dying.end(), pids.begin(), pids.end());
      inst->cgroup->KillAll();
    }
  }
  // A cgroup can be removed only once its processes are gone; the kernel ends them
  // asynchronously. Whatever still cannot be removed is cleaned up by the next platform's start
  // (PlatformCgroups removes the groups of dead platforms).
  WaitGone(dying, 1000);
  for (auto& [id, inst] : instances_)
    if (inst->cgroup) inst->cgroup->Remove();
}

Status LocalInstanceManager::limits_status() const {
  if (!cgroups_) {
    return FailedPrecondition("cgroups not used (disabled): instances run without memory/CPU "
                              "limits");
  }
  return cgroups_->status();
}

std::string LocalInstanceManager::limits_description() const {
  return cgroups_ ? cgroups_->Describe() : "no cgroups";
}

std::vector<std::string> LocalInstanceManager::HostArguments(const fs::path& app_dir,
                                                             const InstanceSpec& spec, int port,
                                                             const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"host", app_dir.string(), "--port", std::to_string(port),
                                   "--instance-id", spec.id};
  if (!spec.group.empty()) args.insert(args.end(), {"--group", spec.group});

  if (!spec.functions.empty()) {
    std::string list;
    for (const auto& f : spec.functions) list += (list.empty() ? "" : ",") + f;
    args.insert(args.end(), {"--functions", list});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::map<std::string, std::string> LocalInstanceManager::HostEnvironment(const InstanceSpec& spec) {
  // The plan's share: dynamic concurrency's CPU and memory throttles measure against it (with
  // or without a cgroup enforcing it), and Flex caps HTTP concurrency. In the environment
  // rather than as flags (`squall host` reads both), so that an older installed build a
  // version pin starts, which knows no such flags, still starts.
  std::map<std::string, std::string> env;
  if (spec.limits.cpu_cores > 0) env["SQUALL_INSTANCE_CPUS"] = fmt::format("{}", spec.limits.cpu_cores);
  if (spec.limits.memory_bytes > 0) {
    env["SQUALL_INSTANCE_MEMORY_MB"] = std::to_string(spec.limits.memory_bytes >> 20);
  }
  if (spec.limits.http_concurrency > 0) {
    env["SQUALL_INSTANCE_HTTP_CONCURRENCY"] = std::to_string(spec.limits.http_concurrency);
  }
  if (spec.warmup) env["SQUALL_INSTANCE_WARMUP"] = "1";
  return env;
}

void LocalInstanceManager::SetHostEnvironment(const std::string& name, const std::string& value) {
  std::lock_guard lock(mu_);
  extra_env_[name] = value;
}

StatusOr<InstanceInfo> LocalInstanceManager::Start(const InstanceSpec& spec) {
  return StartInstance(spec, /*wait=*/true);
}

StatusOr<InstanceInfo> LocalInstanceManager::StartAsync(const InstanceSpec& spec) {
  return StartInstance(spec, /*wait=*/false);
}

StatusOr<InstanceInfo> LocalInstanceManager::StartInstance(const InstanceSpec& spec, bool wait) {
  if (!IsValidInstanceId(spec.id)) {
    return InvalidArgument("instance id '" + spec.id + "': expected 1 to 64 letters, digits, '.', "
                           "'_' or '-', starting with a letter or digit");
  }
  auto inst = std::make_shared<Instance>();
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = instances_.emplace(spec.id, inst);
    if (!inserted) {
      return Status(StatusCode::kAlreadyExists,
                    "instance '" + spec.id + "' is " +
                        (it->second->ended ? "still stopping" : "already running"));
    }
  }
  auto forget = [&](Status why) -> StatusOr<InstanceInfo> {
    std::lock_guard lock(mu_);
    instances_.erase(spec.id);
    if (inst->cgroup) inst->cgroup->Remove();
    return why;
  };

  auto port = PickFreeLoopbackPort();
  if (!port.ok()) return forget(port.status());
  inst->info.id = spec.id;
  inst->info.group = spec.group;
  inst->info.host = "127.0.0.1";
  inst->info.port = *port;
  inst->info.started_at = clock_.Now();
  inst->limits = spec.limits;

  ProcessSpec process;
  process.executable = options_.executable;
  if (!spec.host_version.empty()) {
    if (options_.host_executable) {
      auto exe = options_.host_executable(spec.host_version);
      if (!exe.ok()) return forget(exe.status());
      if (!exe->empty()) process.executable = *exe;
    }
    // The host reports it as its version, and the worker inherits it.
    process.env[kRunningHostVersionEnv] = spec.host_version;
  }
  process.args = HostArguments(options_.app_dir, spec, *port, options_.host_args);
  for (auto& [name, value] : HostEnvironment(spec)) process.env[name] = value;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, value] : extra_env_) process.env[name] = value;
  }
  // Every process of the instance (the worker inherits it) can be found by this.
  process.env["SQUALL_INSTANCE_ID"] = spec.id;
  process.log_category = "Instance." + spec.id;

  if (spawner_) {
    // Forked by a spawner thread parked in a spare group (cgroup_spawner.h): born in its group,
    // and the event loop never waits for a migration. Started asynchronously, it does not wait
    // for the child to exec either: the pid is known once it runs (List).
    struct Waiter {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      bool unavailable = false;
      Status status;
      void Signal(Status s, bool unavail) {
        {
          std::lock_guard lock(mu);
          done = true;
          unavailable = unavail;
          status = std::move(s);
        }
        cv.notify_all();
      }
    };
    auto waiter = wait ? std::make_shared<Waiter>() : nullptr;
    InstanceInfo info = inst->info;  // the spawner thread sets the pid (under mu_) from now on
    std::weak_ptr<std::atomic<bool>> alive = alive_;
    std::weak_ptr<Instance> weak = inst;
    spawner_->Submit(
        spec.id, spec.limits,
        [this, alive, weak, process, waiter](const InstanceCgroup& group) -> Status {
          auto a = alive.lock();
          auto i = weak.lock();
          Status status = Status::Ok();
          if (!a || !*a || !i) {
            status = FailedPrecondition("the instance manager is going away");
          } else {
            std::lock_guard lock(mu_);
            if (i->stop_requested) status = FailedPrecondition("stopped before it started");
            else i->cgroup = group;
          }
          if (status.ok()) {
            auto child = ChildProcess::Spawn(loop_, process, ExitCallbackFor(i));
            std::lock_guard lock(mu_);
            if (child.ok()) {
              i->process = *child;
              i->info.pid = (*child)->pid();
            } else {
              i->cgroup.reset();
            }
            status = child.status();
          }
          if (waiter) {
            waiter->Signal(status, false);
          } else if (i) {
            loop_.Post([this, alive, i, status] {
              if (auto a2 = alive.lock(); a2 && *a2) OnSpawned(i, status);
            });
          }
          return status;
        },
        [this, alive, weak, process, waiter](Status why) {
          // The spare could not take the instance's limits: started the other way, on the loop.
          if (waiter) return waiter->Signal(why, true);
          loop_.Post([this, alive, weak, process, why] {
            auto a = alive.lock();
            auto i = weak.lock();
            if (!a || !*a || !i) return;
            LogInfo(kLog, "instance {}: started without a spawner thread ({})", i->info.id,
                    why.message());
            OnSpawned(i, SpawnHere(i, process));
          });
        });
    if (!waiter) return info;
    std::unique_lock lock(waiter->mu);
    waiter->cv.wait(lock, [&] { return waiter->done; });
    if (!waiter->unavailable) {
      if (!waiter->status.ok()) return forget(waiter->status);
      LogInfo(kLog, "instance {} started: pid {}, {}{}", spec.id, inst->info.pid,
              inst->info.endpoint(), inst->cgroup ? "" : " (no cgroup)");
      return inst->info;
    }
    LogInfo(kLog, "instance {}: started without a spawner thread ({})", spec.id,
            waiter->status.message());
  }

  if (Status s = SpawnHere(inst, process); !s.ok()) return forget(s);
  LogInfo(kLog, "instance {} started: pid {}, {}{}", spec.id, inst->info.pid,
          inst->info.endpoint(), inst->cgroup ? "" : " (no cgroup)");
  return inst->info;
}

ChildProcess::ExitCallback LocalInstanceManager::ExitCallbackFor(
    const std::shared_ptr<Instance>& inst) {
  std::weak_ptr<std::atomic<bool>> alive = alive_;
  std::weak_ptr<Instance> weak = inst;
  return [this, alive, weak](ProcessExit exit) {
    auto a = alive.lock();
    auto i = weak.lock();
    if (!a || !*a || !i) return;
    OnHostExit(i, exit.ToString());
  };
}

Status LocalInstanceManager::SpawnHere(const std::shared_ptr<Instance>& inst,
                                       const ProcessSpec& process) {
  const std::string& id = inst->info.id;
  std::optional<InstanceCgroup> cgroup;
  if (cgroups_ && (cgroups_->memory_limits() || cgroups_->cpu_limits())) {
    auto cg = cgroups_->Create(id, inst->limits);
    if (cg.ok()) {
      cgroup = std::move(*cg);
    } else {
      LogWarn(kLog, "instance {}: no cgroup ({}): it runs without memory/CPU limits", id,
              cg.status().message());
    }
  }
  {
    std::lock_guard lock(mu_);
    inst->cgroup = cgroup;
  }
  auto child = ChildProcess::Spawn(loop_, process, ExitCallbackFor(inst));
  if (!child.ok()) {
    if (cgroup) cgroup->Remove();
    std::lock_guard lock(mu_);
    inst->cgroup.reset();
    return child.status();
  }
  pid_t pid = (*child)->pid();
  if (cgroup) {
    // Moving a running process: on cgroup v1 this write waits for an RCU grace period, and the
    // event loop with it (the spawner avoids this wherever it can).
    Status joined = cgroup->AddProcess(pid);
    if (joined.ok()) {
      // The host forks its worker only after loading the app, so it is normally alone; anything
      // it forked before joining is moved too (its later children inherit the group).
      auto tree = ReadProcessTreeUsage(pid);
      for (std::size_t k = 1; k < tree.pids.size(); ++k) (void)cgroup->AddProcess(tree.pids[k]);
    } else {
      LogWarn(kLog, "instance {}: cannot join its cgroup ({}): it runs without memory/CPU limits",
              id, joined.message());
    }
  }
  std::lock_guard lock(mu_);
  inst->process = std::move(*child);
  inst->info.pid = pid;
  return Status::Ok();
}

void LocalInstanceManager::OnSpawned(const std::shared_ptr<Instance>& inst, const Status& status) {
  std::unique_lock lock(mu_);
  if (inst->ended) return;  // it has already exited (and been reported)
  if (!status.ok()) {
    inst->ended = true;
    bool stopped = inst->stop_requested && !inst->process;
    lock.unlock();
    if (!stopped) LogError(kLog, "instance {} cannot start: {}", inst->info.id, status.message());
    Report(inst, (stopped ? "stopped: " : "failed to start: ") + status.message());
    return;
  }
  LogInfo(kLog, "instance {} started: pid {}, {}{}", inst->info.id, inst->info.pid,
          inst->info.endpoint(), inst->cgroup ? "" : " (no cgroup)");
  if (inst->stop_requested && inst->process) {
    // Stop() came while it was being started: now that it runs, stop it as asked.
    inst->process->Terminate();
    ArmKillLocked(inst, std::max(Duration::zero(), inst->kill_at - clock_.Now()));
  }
}

void LocalInstanceManager::Stop(const std::string& id, Duration grace) {
  std::lock_guard lock(mu_);
  auto it = instances_.find(id);
  if (it == instances_.end() || it->second->ended) return;
  auto inst = it->second;
  MonoTime kill_at = clock_.Now() + grace;
  if (inst->stop_requested && kill_at >= inst->kill_at) return;  // already stopping, sooner
  inst->kill_at = kill_at;
  if (!inst->process) {
    inst->stop_requested = true;  // not started yet: OnSpawned stops it, or it never starts
    return;
  }
  if (!inst->stop_requested) {
    inst->stop_requested = true;
    inst->process->Terminate();  // the host stops its worker (SIGTERM, then SIGKILL after 5 s)
  }
  ArmKillLocked(inst, grace);
}

void LocalInstanceManager::ArmKillLocked(const std::shared_ptr<Instance>& inst, Duration grace) {
  clock_.Cancel(inst->kill_timer);
  std::weak_ptr<std::atomic<bool>> alive = alive_;
  std::weak_ptr<Instance> weak = inst;
  inst->kill_timer = clock_.Schedule(grace, [this, alive, weak, grace] {
    auto a = alive.lock();
    auto i = weak.lock();
    if (!a || !*a || !i) return;
    std::lock_guard lock2(mu_);
    i->kill_timer = kNoTimer;
    if (i->ended) return;
    LogWarn(kLog, "instance {} did not stop within {} ms: killing it", i->info.id,
            std::chrono::duration_cast<std::chrono::milliseconds>(grace).count());
    if (i->process) i->process->Kill();
    if (i->cgroup) i->cgroup->KillAll();
  });
}

void LocalInstanceManager::OnHostExit(const std::shared_ptr<Instance>& inst, std::string how) {
  {
    std::lock_guard lock(mu_);
    inst->ended = true;
    clock_.Cancel(inst->kill_timer);
    inst->kill_timer = kNoTimer;
    how = (inst->stop_requested ? "stopped: " : "exited unexpectedly: ") + how;
  }
  if (inst->cgroup) {
    if (std::int64_t kills = inst->cgroup->OomKills(); kills > 0) {
      how += "; out of memory (memory limit " + Mebibytes(inst->cgroup->limits().memory_bytes) +
             " reached, " + std::to_string(kills) + " process" + (kills > 1 ? "es" : "") +
             " killed)";
    }
    // The worker dies with its host (PR_SET_PDEATHSIG); this also takes anything that left the
    // worker's process group.
    inst->cgroup->KillAll();
  }
  RemoveCgroupThenReport(inst, std::move(how), clock_.Now() + options_.cgroup_drain_timeout);
}

void LocalInstanceManager::RemoveCgroupThenReport(const std::shared_ptr<Instance>& inst,
                                                  std::string how, MonoTime give_up_at) {
  if (inst->cgroup && !inst->cgroup->Remove()) {
    if (clock_.Now() < give_up_at) {
      std::weak_ptr<std::atomic<bool>> alive = alive_;
      clock_.Schedule(kCgroupRetry, [this, alive, inst, how = std::move(how), give_up_at]() mutable {
        auto a = alive.lock();
        if (!a || !*a) return;
        inst->cgroup->KillAll();
        RemoveCgroupThenReport(inst, std::move(how), give_up_at);
      });
      return;
    }
    LogWarn(kLog, "instance {}: its cgroup still holds processes {} after the host exited; "
                  "left in place",
            inst->info.id, fmt::join(inst->cgroup->Processes(), ","));
  }
  Report(inst, how);
}

void LocalInstanceManager::Report(const std::shared_ptr<Instance>& inst, const std::string& how) {
  std::vector<ExitListener> listeners;
  {
    std::lock_guard lock(mu_);
    auto it = instances_.find(inst->info.id);
    if (it != instances_.end() && it->second == inst) instances_.erase(it);
    listeners = listeners_;
  }
  if (inst->stop_requested) {
    LogInfo(kLog, "instance {} {}", inst->info.id, how);
  } else {
    LogWarn(kLog, "instance {} {}", inst->info.id, how);
  }
  for (auto& l : listeners) l(inst->info.id, how);
}

std::vector<InstanceInfo> LocalInstanceManager::List() const {
  std::lock_guard lock(mu_);
  std::vector<InstanceInfo> out;
  for (const auto& [id, inst] : instances_)
    if (!inst->ended) out.push_back(inst->info);  // pid 0 while it is being started
  return out;
}

void LocalInstanceManager::OnExit(ExitListener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

ResourceUsage LocalInstanceManager::Usage(const std::string& id) const {
  std::optional<InstanceCgroup> cgroup;
  pid_t pid = 0;
  {
    std::lock_guard lock(mu_);
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second->ended || !it->second->process) return {};
    cgroup = it->second->cgroup;
    pid = it->second->info.pid;
  }
  ResourceUsage usage;
  std::optional<std::int64_t> memory;
  std::optional<double> cpu;
  if (cgroup) {
    memory = cgroup->MemoryBytes();
    cpu = cgroup->CpuSeconds();
  }
  if (!memory || !cpu) {
    // No cgroup (or a controller without accounting): the host and its descendants in /proc.
    ProcessTreeUsage tree = ReadProcessTreeUsage(pid);
    if (!tree.pids.empty()) {
      if (!memory) memory = tree.memory_bytes;
      if (!cpu) cpu = tree.cpu_seconds;
    }
  }
  usage.measured = memory.has_value() || cpu.has_value();
  usage.memory_bytes = memory.value_or(0);
  usage.cpu_seconds = cpu.value_or(0);
  return usage;
}

std::vector<InstanceMemoryReading> LocalInstanceManager::SampleMemory() const {
  struct Live {
    std::string id;
    pid_t pid;
    std::optional<InstanceCgroup> cgroup;
  };
  std::vector<Live> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, inst] : instances_) {
      if (inst->ended || !inst->process || inst->info.pid <= 0) continue;
      live.push_back({id, inst->info.pid, inst->cgroup});
    }
  }
  std::vector<InstanceMemoryReading> out;
  if (live.empty()) return out;
  for (const auto& l : live) {
    // Only the instance's own processes are read (not all of /proc).
    HostAndWorkerMemory m = ReadHostAndWorkerMemory(ReadProcessTree(l.pid));
    if (!m.found) continue;  // it ended meanwhile
    InstanceMemoryReading r;
    r.id = l.id;
    r.host = m.host;
    r.worker = m.worker;
    if (l.cgroup) r.cgroup_bytes = l.cgroup->MemoryBytes().value_or(-1);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace squall
