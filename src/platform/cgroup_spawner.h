// Starting processes inside cgroup v1 groups without moving them there, and off the caller's
// thread.
//
// Moving a process into a v1 group (a write to cgroup.procs) waits for an RCU grace period:
// 8-25 ms on the project machines, most of it on the first write after a quiet spell, and the
// kernel's cgroup_mutex is held meanwhile (so every mkdir, rename or rmdir of a group waits as
// long). An instance's host must be in its group before it forks its worker, so moving the host
// after spawning it either blocks the platform's event loop for that long or lets the worker
// start outside the group. Instead, each spawner thread moves *itself* into a spare group ahead
// of time (the grace period is paid while nobody waits), and a process it forks is born in that
// group (fork copies the forking thread's groups). A job gives the spare the instance's limits,
// renames it to the instance id and forks there, all on the spawner thread, so the caller never
// waits (not even for the child to exec); then the thread moves on into a new spare. Until that
// move completes this process is listed in the instance's cgroup.procs;
// InstanceCgroup::Processes() leaves it out, so KillAll never signals the platform.
//
// Only on v1: v2 keeps every thread in its process's (domain) group.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "platform/cgroup.h"

namespace squall {

class CgroupSpawner {
 public:
  // Starts `threads` spawner threads and returns once each is parked in a spare group or has
  // failed to join one (status() then says why, and the spawner must not be used).
  CgroupSpawner(const PlatformCgroups& cgroups, int threads = 2);
  // Jobs not started yet are dropped; a job under way finishes. Every thread then leaves its
  // group (back into this process's own groups), removes its spare, and ends. A child forked by
  // a thread gets SIGKILL when that thread ends (PR_SET_PDEATHSIG is per thread), so destroy the
  // spawner only when the instances are being killed anyway.
  ~CgroupSpawner();
  CgroupSpawner(const CgroupSpawner&) = delete;
  CgroupSpawner& operator=(const CgroupSpawner&) = delete;

  // Ok while the threads park in spares; else the first error.
  Status status() const;

  // The job, on a spawner thread parked in `group` (already limited and renamed to the id, or
  // keeping its spare name when a directory of that name exists). It must fork there, and
  // returns whether something now runs in the group (if not, the group is removed).
  using SpawnFn = std::function<Status(const InstanceCgroup& group)>;
  // When the spare cannot take the limits the job is not run: `unavailable` runs instead (on the
  // spawner thread), with the reason.
  using UnavailableFn = std::function<void(Status why)>;
  // Queues a job; it runs as soon as a thread is parked (at once, unless both moved within the
  // last grace period). Never blocks.
  void Submit(std::string id, ResourceLimits limits, SpawnFn spawn, UnavailableFn unavailable);

 private:
  struct Worker;
  struct Job {
    std::string id;
    ResourceLimits limits;
    SpawnFn spawn;
    UnavailableFn unavailable;
  };
  void Run(Worker& w);
  bool Park(Worker& w);  // creates a spare and joins it; false on failure (status_ set)
  void RunJob(Worker& w, Job& job);

  const PlatformCgroups& cgroups_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::deque<Job> jobs_;
  Status status_;
  bool stopping_ = false;
  int next_spare_ = 1;
};

}  // namespace squall
