// The platform's front door: one HTTP endpoint for the app that routes each request to a ready
// instance (least outstanding requests), and holds requests in a bounded activation buffer when
// no instance is ready, poking the scale controller at once (cold start) and sending them on
// when an instance becomes ready. Waits are recorded: the cold starts users see.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/http_client_pool.h"
#include "http/http_message.h"

namespace squall {

class EventLoop;

struct FrontDoorOptions {
  std::size_t activation_capacity = 1000;           // requests held while no instance is ready
  Duration activation_timeout = std::chrono::seconds(60);  // then 503 with Retry-After
};

// One request that waited for an instance: how long, and on which instance it ran.
struct ColdStartRecord {
  MonoTime at{};
  Duration wait{};
  std::string instance_id;
};

// Told about every cold-start wait (metrics), outside the front door's lock.
class FrontDoorObserver {
 public:
  virtual ~FrontDoorObserver() = default;
  virtual void OnColdStart(Duration wait, const std::string& instance_id) = 0;
};

class FrontDoor final : public HttpHandler {
 public:
  FrontDoor(EventLoop& loop, Clock& clock, FrontDoorOptions options);
  ~FrontDoor() override;

  void Handle(HttpRequest request, Responder respond) override;

  // The routing table, kept by the scale controller.
  void AddReady(const std::string& instance_id, int port);  // takes new requests from now on
  // Takes no new requests; its requests in flight are still counted (Inflight) until they end,
  // so a draining instance can be stopped once idle.
  void Remove(const std::string& instance_id);

  // Called (outside the lock) when a request arrives and no instance is ready.
  void SetColdRequestHook(std::function<void()> hook);
  // Set before serving; not owned.
  void SetObserver(FrontDoorObserver* observer) { observer_ = observer; }

  // HTTP requests the app holds: buffered + running. The HTTP scaling metric.
  int HttpInflight() const;
  int Inflight(const std::string& instance_id) const;
  std::size_t Buffered() const;
  std::vector<ColdStartRecord> ColdStarts() const;  // the most recent, oldest first

 private:
  struct Route {
    int port = 0;
    int inflight = 0;
    std::shared_ptr<HttpClientPool> pool;
  };
  struct Pending {
    HttpRequest request;
    Responder respond;
    MonoTime enqueued_at{};
  };
  // Picks the ready instance with the fewest requests in flight (round-robin among ties) and
  // counts the request on it. Lock held.
  std::map<std::string, Route>::iterator PickLocked();
  void Forward(const std::string& id, std::shared_ptr<HttpClientPool> pool, HttpRequest request,
               Responder respond);
  void OnBufferTimer();
  void ArmBufferTimerLocked();

  EventLoop& loop_;
  Clock& clock_;
  FrontDoorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Route> ready_;
  std::map<std::string, int> removed_inflight_;  // removed instances with requests still running
  std::size_t rr_ = 0;
  int running_ = 0;
  std::deque<Pending> buffer_;
  TimerId buffer_timer_ = kNoTimer;
  std::function<void()> cold_hook_;
  FrontDoorObserver* observer_ = nullptr;
  std::deque<ColdStartRecord> cold_starts_;
};

}  // namespace squall
