#include "platform/cgroup_spawner.h"

#include <algorithm>

namespace squall {

struct CgroupSpawner::Worker {
  enum class State { kParking, kParked, kBusy, kFailed };
  State state = State::kParking;
  std::optional<InstanceCgroup> spare;  // the group this thread is in (parked)
  std::thread thread;
};

CgroupSpawner::CgroupSpawner(const PlatformCgroups& cgroups, int threads) : cgroups_(cgroups) {
  if (!cgroups_.threads_can_join()) {
    status_ = FailedPrecondition("no cgroup v1 group a thread can join");
    return;
  }
  for (int i = 0; i < std::max(1, threads); ++i) workers_.push_back(std::make_unique<Worker>());
  for (auto& w : workers_) w->thread = std::thread([this, raw = w.get()] { Run(*raw); });
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] {
    return std::none_of(workers_.begin(), workers_.end(),
                        [](const auto& w) { return w->state == Worker::State::kParking; });
  });
}

CgroupSpawner::~CgroupSpawner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

Status CgroupSpawner::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void CgroupSpawner::Submit(std::string id, ResourceLimits limits, SpawnFn spawn,
                           UnavailableFn unavailable) {
  {
    std::lock_guard lock(mu_);
    bool any = std::any_of(workers_.begin(), workers_.end(), [](const auto& w) {
      return w->state != Worker::State::kFailed;
    });
    if (any && !stopping_) {
      jobs_.push_back({std::move(id), limits, std::move(spawn), std::move(unavailable)});
      cv_.notify_all();
      return;
    }
  }
  unavailable(Unavailable(status().ok() ? "the spawner is stopping" : status().message()));
}

bool CgroupSpawner::Park(Worker& w) {
  int n;
  {
    std::lock_guard lock(mu_);
    n = next_spare_++;
  }
  // "_" cannot start an instance id, so a spare never meets an instance's directory.
  auto spare = cgroups_.Create("_spare-" + std::to_string(n), ResourceLimits{});
  Status joined = spare.ok() ? spare->AddCallingThread() : spare.status();
  if (!joined.ok()) {
    (void)cgroups_.ReturnCallingThread();
    if (spare.ok()) spare->Remove();
    std::lock_guard lock(mu_);
    if (status_.ok()) status_ = Unavailable("spawner thread: " + joined.message());
    return false;
  }
  std::lock_guard lock(mu_);
  w.spare = std::move(*spare);
  return true;
}

void CgroupSpawner::RunJob(Worker& w, Job& job) {
  InstanceCgroup& group = *w.spare;  // only this thread touches it while kBusy
  if (Status s = group.SetLimits(job.limits); !s.ok()) {
    job.unavailable(s);
    return;  // the spare stays (its limits are rewritten by the next job)
  }
  (void)group.Rename(job.id);  // a leftover directory of that name: the spare keeps its own
  InstanceCgroup used = group;
  w.spare.reset();
  Status s = job.spawn(used);  // forks here: the child is born in `used`
  // Out of the instance's group, into a new spare, before anything else.
  bool parked = Park(w);
  if (!s.ok()) used.Remove();  // nothing was started in it
  std::lock_guard lock(mu_);
  w.state = parked ? Worker::State::kParked : Worker::State::kFailed;
}

void CgroupSpawner::Run(Worker& w) {
  bool parked = Park(w);
  std::unique_lock lock(mu_);
  w.state = parked ? Worker::State::kParked : Worker::State::kFailed;
  cv_.notify_all();
  while (w.state == Worker::State::kParked) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) break;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    w.state = Worker::State::kBusy;
    lock.unlock();
    RunJob(w, job);
    lock.lock();
    cv_.notify_all();
  }
  // A thread that failed to park leaves the queue to the others, or to nobody: jobs waiting then
  // are answered as unavailable, so that they are started another way.
  std::deque<Job> orphans;
  if (!stopping_ && std::none_of(workers_.begin(), workers_.end(), [](const auto& o) {
        return o->state == Worker::State::kParked || o->state == Worker::State::kBusy ||
               o->state == Worker::State::kParking;
      })) {
    orphans.swap(jobs_);
  }
  lock.unlock();
  for (auto& job : orphans) job.unavailable(Unavailable("no spawner thread is left"));
  (void)cgroups_.ReturnCallingThread();
  std::optional<InstanceCgroup> spare;
  {
    std::lock_guard guard(mu_);
    spare = std::move(w.spare);
    w.spare.reset();
  }
  if (spare) spare->Remove();
}

}  // namespace squall
