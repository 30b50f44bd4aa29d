#include "platform/front_door.h"

#include "core/log.h"

namespace squall {

namespace {
constexpr std::size_t kColdStartHistory = 1000;
constexpr const char* kCategory = "Platform.FrontDoor";
}  // namespace

FrontDoor::FrontDoor(EventLoop& loop, Clock& clock, FrontDoorOptions options)
    : loop_(loop), clock_(clock), options_(options) {}

FrontDoor::~FrontDoor() {
  std::lock_guard lock(mu_);
  clock_.Cancel(buffer_timer_);
}

void FrontDoor::SetColdRequestHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  cold_hook_ = std::move(hook);
}

std::map<std::string, FrontDoor::Route>::iterator FrontDoor::PickLocked() {
  if (ready_.empty()) return ready_.end();
  int best = -1;
  for (const auto& [id, r] : ready_) best = best < 0 ? r.inflight : std::min(best, r.inflight);
  // Round-robin among the least loaded, so equal instances share the work.
  std::vector<std::map<std::string, Route>::iterator> least;
  for (auto it = ready_.begin(); it != ready_.end(); ++it)
    if (it->second.inflight == best) least.push_back(it);
  auto it = least[rr_++ % least.size()];
  ++it->second.inflight;
  ++running_;
  return it;
}

void FrontDoor::Handle(HttpRequest request, Responder respond) {
  std::function<void()> hook;
  {
    std::unique_lock lock(mu_);
    auto it = PickLocked();
    if (it != ready_.end()) {
      std::string id = it->first;
      auto pool = it->second.pool;
      lock.unlock();
      return Forward(id, std::move(pool), std::move(request), std::move(respond));
    }
    if (buffer_.size() >= options_.activation_capacity) {
      lock.unlock();
      HttpResponse r = TextResponse(503, "No instance is ready and the activation buffer is full.\n");
      r.SetHeader("Retry-After", "1");
      return respond(std::move(r));
    }
    bool first = buffer_.empty();
    buffer_.push_back({std::move(request), std::move(respond), clock_.Now()});
    ArmBufferTimerLocked();
    if (first) hook = cold_hook_;
  }
  if (hook) hook();  // a cold start: the controller decides now, not at its next tick
}

void FrontDoor::Forward(const std::string& id, std::shared_ptr<HttpClientPool> pool,
                        HttpRequest request, Responder respond) {
  pool->Send(std::move(request), [this, id, respond = std::move(respond)](
                                     StatusOr<HttpResponse> result) {
    {
      std::lock_guard lock(mu_);
      --running_;
      if (auto it = ready_.find(id); it != ready_.end()) {
        --it->second.inflight;
      } else if (auto r = removed_inflight_.find(id); r != removed_inflight_.end()) {
        if (--r->second <= 0) removed_inflight_.erase(r);
      }
    }
    if (!result.ok()) {
      LogWarn(kCategory, "instance {} failed a request: {}", id, result.status().message());
      return respond(TextResponse(502, "The instance failed: " + result.status().message() + "\n"));
    }
    respond(std::move(*result));
  });
}

void FrontDoor::AddReady(const std::string& instance_id, int port) {
  std::vector<std::pair<std::string, Pending>> to_send;
  std::shared_ptr<HttpClientPool> pool;
  {
    std::lock_guard lock(mu_);
    auto& route = ready_[instance_id];
    route.port = port;
    route.pool = std::make_shared<HttpClientPool>(loop_, "127.0.0.1", port, 256,
                                                  "instance " + instance_id);
    // Everything that waited goes out now, spread by least-outstanding.
    MonoTime now = clock_.Now();
    while (!buffer_.empty()) {
      auto it = PickLocked();
      Pending p = std::move(buffer_.front());
      buffer_.pop_front();
      cold_starts_.push_back({now, now - p.enqueued_at, it->first});
      if (cold_starts_.size() > kColdStartHistory) cold_starts_.pop_front();
      to_send.emplace_back(it->first, std::move(p));
    }
  }
  for (auto& [id, p] : to_send) {
    if (observer_) observer_->OnColdStart(clock_.Now() - p.enqueued_at, id);
    std::shared_ptr<HttpClientPool> target;
    {
      std::lock_guard lock(mu_);
      auto it = ready_.find(id);
      if (it != ready_.end()) target = it->second.pool;
    }
    if (!target) {
      p.respond(TextResponse(503, "The instance went away.\n"));
      continue;
    }
    Forward(id, std::move(target), std::move(p.request), std::move(p.respond));
  }
}

void FrontDoor::Remove(const std::string& instance_id) {
  std::lock_guard lock(mu_);
  // Requests already sent finish on their own (the pool stays alive through their calls).
  auto it = ready_.find(instance_id);
  if (it == ready_.end()) return;
  if (it->second.inflight > 0) removed_inflight_[instance_id] += it->second.inflight;
  ready_.erase(it);
}

void FrontDoor::ArmBufferTimerLocked() {
  if (buffer_timer_ != kNoTimer || buffer_.empty()) return;
  Duration wait = buffer_.front().enqueued_at + options_.activation_timeout - clock_.Now();
  buffer_timer_ = clock_.Schedule(std::max(wait, Duration::zero()), [this] { OnBufferTimer(); });
}

void FrontDoor::OnBufferTimer() {
  std::vector<Pending> expired;
  {
    std::lock_guard lock(mu_);
    buffer_timer_ = kNoTimer;
    MonoTime now = clock_.Now();
    // All requests wait the same time, so they expire in arrival order.
    while (!buffer_.empty() && buffer_.front().enqueued_at + options_.activation_timeout <= now) {
      expired.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    }
    ArmBufferTimerLocked();
  }
  if (!expired.empty()) {
    LogWarn(kCategory, "{} request(s) waited {}s for an instance and got 503", expired.size(),
            std::chrono::duration_cast<std::chrono::seconds>(options_.activation_timeout).count());
  }
  for (auto& p : expired) {
    HttpResponse r = TextResponse(503, "No instance became ready in time.\n");
    r.SetHeader("Retry-After", "1");
    p.respond(std::move(r));
  }
}

int FrontDoor::HttpInflight() const {
  std::lock_guard lock(mu_);
  return running_ + static_cast<int>(buffer_.size());
}

int FrontDoor::Inflight(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  if (auto it = ready_.find(instance_id); it != ready_.end()) return it->second.inflight;
  auto r = removed_inflight_.find(instance_id);
  return r == removed_inflight_.end() ? 0 : r->second;
}

std::size_t FrontDoor::Buffered() const {
  std::lock_guard lock(mu_);
  return buffer_.size();
}

std::vector<ColdStartRecord> FrontDoor::ColdStarts() const {
  std::lock_guard lock(mu_);
  return {cold_starts_.begin(), cold_starts_.end()};
}

}  // namespace squall
