#include "platform/front_door.h"

#include <tuple>

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

void FrontDoor::SetLoadHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  load_hook_ = std::move(hook);
}

void FrontDoor::ArmLoadHook(int above) {
  std::lock_guard lock(mu_);
  load_armed_ = true;
  load_above_ = above;
}

void FrontDoor::DisarmLoadHook() {
  std::lock_guard lock(mu_);
  load_armed_ = false;
}

void FrontDoor::SetStartedHook(StartedHook hook) {
  std::lock_guard lock(mu_);
  started_hook_ = std::move(hook);
}

FrontDoor::Routes::value_type* FrontDoor::PickLocked() {
  Routes& routes = ready_.empty() ? starting_ : ready_;
  if (routes.empty()) return nullptr;
  // Round-robin among the least loaded, so equal instances share the work (no allocation: this
  // runs for every request).
  int best = routes.begin()->second.inflight + routes.begin()->second.direct;
  std::size_t ties = 0;
  for (const auto& [id, r] : routes) {
    const int load = r.inflight + r.direct;
    if (load < best) {
      best = load;
      ties = 1;
    } else if (load == best) {
      ++ties;
    }
  }
  std::size_t pick = rr_++ % ties;
  auto it = routes.begin();
  for (;; ++it) {
    if (it->second.inflight + it->second.direct == best && pick-- == 0) break;
  }
  ++it->second.inflight;
  ++running_;
  return &*it;
}

void FrontDoor::Handle(HttpRequest request, Responder respond) {
  std::function<void()> hook;
  {
    std::unique_lock lock(mu_);
    if (auto* picked = PickLocked()) {
      const std::string& id = picked->first;
      auto pool = picked->second.pool;
      int held = running_ + static_cast<int>(buffer_.size());
      peak_ = std::max(peak_, held);
      std::shared_ptr<EarlyWait> early;
      if (ready_.empty()) {  // a starting instance's host holds it: still a cold start
        early = std::make_shared<EarlyWait>(EarlyWait{clock_.Now(), std::nullopt});
        early_[id].push_back(early);
      } else if (load_armed_ && held > load_above_) {
        load_armed_ = false;
        hook = load_hook_;
      }
      std::string target = id;
      lock.unlock();
      if (hook) hook();  // must not block: the controller schedules its decision
      return Forward(target, std::move(pool), std::move(request), std::move(respond),
                     std::move(early));
    }
    if (buffer_.size() >= options_.activation_capacity) {
      lock.unlock();
      HttpResponse r = TextResponse(503, "No instance is ready and the activation buffer is full.\n");
      r.SetHeader("Retry-After", "1");
      return respond(std::move(r));
    }
    bool first = buffer_.empty();
    buffer_.push_back({std::move(request), std::move(respond), clock_.Now()});
    peak_ = std::max(peak_, running_ + static_cast<int>(buffer_.size()));
    ArmBufferTimerLocked();
    if (first) hook = cold_hook_;
  }
  if (hook) hook();  // a cold start: the controller decides now, not at its next tick
}

void FrontDoor::Forward(const std::string& id, std::shared_ptr<HttpClientPool> pool,
                        HttpRequest request, Responder respond, std::shared_ptr<EarlyWait> early) {
  pool->Send(std::move(request), [this, id, respond = std::move(respond),
                                  early = std::move(early)](StatusOr<HttpResponse> result) {
    StartedHook started;
    {
      std::lock_guard lock(mu_);
      --running_;
      if (auto it = ready_.find(id); it != ready_.end()) {
        --it->second.inflight;
      } else if (auto s = starting_.find(id); s != starting_.end()) {
        --s->second.inflight;
        if (result.ok()) started = started_hook_;
      } else if (auto r = removed_inflight_.find(id); r != removed_inflight_.end()) {
        if (--r->second <= 0) removed_inflight_.erase(r);
      }
      if (early && result.ok()) early->answered_at = clock_.Now();
    }
    if (started) {
      return started(id, [respond = std::move(respond), result = std::move(result)]() mutable {
        respond(std::move(*result));
      });
    }
    if (!result.ok()) {
      LogWarn(kCategory, "instance {} failed a request: {}", id, result.status().message());
      return respond(TextResponse(502, "The instance failed: " + result.status().message() + "\n"));
    }
    respond(std::move(*result));
  });
}

void FrontDoor::AddStarting(const std::string& instance_id, int port) {
  {
    std::lock_guard lock(mu_);
    if (ready_.count(instance_id)) return;
    auto& route = starting_[instance_id];
    if (!route.pool || route.port != port) {
      route.port = port;
      route.pool = std::make_shared<HttpClientPool>(loop_, "127.0.0.1", port, 256,
                                                    "instance " + instance_id);
    }
  }
  FlushBuffer();
}

void FrontDoor::AddReady(const std::string& instance_id, int port) {
  std::vector<ColdStartRecord> records;
  {
    std::lock_guard lock(mu_);
    Route route;
    if (auto s = starting_.find(instance_id); s != starting_.end()) {
      route = std::move(s->second);  // its requests in flight and its connections come along
      starting_.erase(s);
    } else if (auto r = ready_.find(instance_id); r != ready_.end()) {
      route = std::move(r->second);
    }
    if (!route.pool || route.port != port) {
      route.port = port;
      route.pool = std::make_shared<HttpClientPool>(loop_, "127.0.0.1", port, 256,
                                                    "instance " + instance_id);
    }
    ready_[instance_id] = std::move(route);
    // The cold requests its host held while its worker started.
    MonoTime now = clock_.Now();
    if (auto e = early_.find(instance_id); e != early_.end()) {
      for (const auto& w : e->second) {
        MonoTime end = w->answered_at ? std::min(*w->answered_at, now) : now;
        records.push_back({end, end - w->enqueued_at, instance_id});
      }
      early_.erase(e);
    }
    for (const auto& r : records) {
      cold_starts_.push_back(r);
      if (cold_starts_.size() > kColdStartHistory) cold_starts_.pop_front();
    }
  }
  if (observer_) {
    for (const auto& r : records) observer_->OnColdStart(r.wait, r.instance_id);
  }
  FlushBuffer();
}

void FrontDoor::FlushBuffer() {
  std::vector<std::tuple<std::string, std::shared_ptr<HttpClientPool>, Pending,
                         std::shared_ptr<EarlyWait>>>
      to_send;
  std::vector<ColdStartRecord> records;
  {
    std::lock_guard lock(mu_);
    // Everything that waited goes out now, spread by least-outstanding.
    MonoTime now = clock_.Now();
    while (!buffer_.empty()) {
      auto* picked = PickLocked();
      if (picked == nullptr) break;
      Pending p = std::move(buffer_.front());
      buffer_.pop_front();
      std::shared_ptr<EarlyWait> early;
      if (ready_.empty()) {
        early = std::make_shared<EarlyWait>(EarlyWait{p.enqueued_at, std::nullopt});
        early_[picked->first].push_back(early);
      } else {
        records.push_back({now, now - p.enqueued_at, picked->first});
        cold_starts_.push_back(records.back());
        if (cold_starts_.size() > kColdStartHistory) cold_starts_.pop_front();
      }
      to_send.emplace_back(picked->first, picked->second.pool, std::move(p), std::move(early));
    }
  }
  if (observer_) {
    for (const auto& r : records) observer_->OnColdStart(r.wait, r.instance_id);
  }
  for (auto& [id, pool, p, early] : to_send) {
    Forward(id, std::move(pool), std::move(p.request), std::move(p.respond), std::move(early));
  }
}

void FrontDoor::Remove(const std::string& instance_id) {
  std::lock_guard lock(mu_);
  early_.erase(instance_id);
  // Requests already sent finish on their own (the pool stays alive through their calls).
  for (Routes* routes : {&ready_, &starting_}) {
    auto it = routes->find(instance_id);
    if (it == routes->end()) continue;
    if (it->second.inflight > 0) removed_inflight_[instance_id] += it->second.inflight;
    if (it->second.direct > 0) removed_direct_[instance_id] += it->second.direct;
    direct_in_flight_ -= it->second.direct_in_flight;
    routes->erase(it);
  }
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

std::optional<std::string> FrontDoor::PickDirect(
    int room, const std::function<bool(const std::string&)>& reachable) {
  std::function<void()> hook;
  std::optional<std::string> picked;
  {
    std::lock_guard lock(mu_);
    Route* best = nullptr;
    const std::string* best_id = nullptr;
    for (auto& [id, r] : ready_) {
      const int load = r.inflight + r.direct;
      if (load >= room || r.direct_refused || !reachable(id)) continue;
      if (best == nullptr || load < best->inflight + best->direct) {
        best = &r;
        best_id = &id;
      }
    }
    if (best == nullptr) return std::nullopt;
    ++best->direct;
    ++direct_total_;
    picked = *best_id;
    // Its first request is on its way to the instance: load until the instance reports.
    ++best->direct_in_flight;
    ++direct_in_flight_;
    hook = NoteLoadLocked(running_ + static_cast<int>(buffer_.size()) + direct_in_flight_);
  }
  if (hook) hook();
  return picked;
}

std::function<void()> FrontDoor::NoteLoadLocked(int held) {
  peak_ = std::max(peak_, held);
  if (load_armed_ && held > load_above_) {
    load_armed_ = false;
    return load_hook_;
  }
  return {};
}

void FrontDoor::DirectLoad(const std::string& instance_id, int in_flight, int peak) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    auto it = ready_.find(instance_id);
    if (it == ready_.end()) return;  // removed: its load no longer counts
    Route& r = it->second;
    const int base = running_ + static_cast<int>(buffer_.size()) + direct_in_flight_ -
                     r.direct_in_flight;
    hook = NoteLoadLocked(base + peak);
    direct_in_flight_ += in_flight - r.direct_in_flight;
    r.direct_in_flight = in_flight;
  }
  if (hook) hook();
}

void FrontDoor::SetDirectAccepted(const std::string& instance_id, bool accepted) {
  std::lock_guard lock(mu_);
  for (Routes* routes : {&ready_, &starting_}) {
    if (auto it = routes->find(instance_id); it != routes->end()) {
      it->second.direct_refused = !accepted;
    }
  }
}

void FrontDoor::DirectEnded(const std::string& instance_id, int count) {
  std::lock_guard lock(mu_);
  auto end = [&](int& n) {
    int taken = std::min(n, count);
    n -= taken;
    direct_total_ -= taken;
  };
  // With no direct connection left, nothing can run on one.
  auto end_route = [&](Route& r) {
    end(r.direct);
    if (r.direct == 0) {
      direct_in_flight_ -= r.direct_in_flight;
      r.direct_in_flight = 0;
    }
  };
  if (auto it = ready_.find(instance_id); it != ready_.end()) return end_route(it->second);
  if (auto it = starting_.find(instance_id); it != starting_.end()) return end_route(it->second);
  if (auto it = removed_direct_.find(instance_id); it != removed_direct_.end()) {
    end(it->second);
    if (it->second <= 0) removed_direct_.erase(it);
  }
}

int FrontDoor::RequestsInflight(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  if (auto it = ready_.find(instance_id); it != ready_.end()) {
    return it->second.inflight + it->second.direct_in_flight;
  }
  if (auto it = starting_.find(instance_id); it != starting_.end()) return it->second.inflight;
  auto r = removed_inflight_.find(instance_id);
  return r == removed_inflight_.end() ? 0 : r->second;
}

int FrontDoor::DirectConnections(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  if (auto it = ready_.find(instance_id); it != ready_.end()) return it->second.direct;
  auto r = removed_direct_.find(instance_id);
  return r == removed_direct_.end() ? 0 : r->second;
}

int FrontDoor::HttpInflight() const {
  std::lock_guard lock(mu_);
  return running_ + static_cast<int>(buffer_.size()) + direct_in_flight_;
}

int FrontDoor::TakePeakInflight() {
  std::lock_guard lock(mu_);
  int now = running_ + static_cast<int>(buffer_.size()) + direct_in_flight_;
  int peak = std::max(peak_, now);
  peak_ = now;
  return peak;
}

int FrontDoor::Inflight(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  if (auto it = ready_.find(instance_id); it != ready_.end()) {
    return it->second.inflight + it->second.direct;
  }
  if (auto it = starting_.find(instance_id); it != starting_.end()) {
    return it->second.inflight + it->second.direct;
  }
  auto r = removed_inflight_.find(instance_id);
  auto d = removed_direct_.find(instance_id);
  return (r == removed_inflight_.end() ? 0 : r->second) +
         (d == removed_direct_.end() ? 0 : d->second);
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
