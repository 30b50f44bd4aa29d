// The platform's front door: one HTTP endpoint for the app that routes each request to a ready
// instance (least outstanding requests), and holds requests in a bounded activation buffer when
// no instance is ready, poking the scale controller at once (cold start) and sending them on
// when an instance becomes ready. Waits are recorded: the cold starts users see.
//
// While no instance is ready, an instance whose host is up but whose worker is not yet ready
// (AddStarting) takes the waiting requests: its host holds them until its worker is ready and
// answers at once, so a cold start does not wait for the platform to notice the instance is
// ready. Its first answer tells the platform it is (the started hook).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  // Its host is up, its worker starting: it takes requests only while no instance is ready.
  void AddStarting(const std::string& instance_id, int port);
  // Takes no new requests; its requests in flight are still counted (Inflight) until they end,
  // so a draining instance can be stopped once idle.
  void Remove(const std::string& instance_id);

  // Called (outside the lock) when a request arrives and no instance is ready.
  void SetColdRequestHook(std::function<void()> hook);
  // Called (outside the lock) with the id of a starting instance that has just answered a
  // request: its worker is likely ready, whatever its last readiness probe said. The answer is
  // passed on to the caller only when the hook calls `proceed` (on the loop, exactly once), so
  // that the controller can mark the instance ready, and the cold start be recorded, first.
  using StartedHook =
      std::function<void(const std::string& instance_id, std::function<void()> proceed)>;
  void SetStartedHook(StartedHook hook);
  // Called once (outside the lock, before the request is forwarded) when a request arrives and
  // the requests in flight exceed `above`; disarmed until armed again. The scale controller arms
  // it at what its serving instances are meant to hold, so that it decides as soon as they are
  // full (premium promotes its pre-warmed instance then) instead of at its next tick.
  void SetLoadHook(std::function<void()> hook);
  void ArmLoadHook(int above);
  void DisarmLoadHook();
  // Set before serving; not owned.
  void SetObserver(FrontDoorObserver* observer) { observer_ = observer; }

  // Direct connections (platform/platform_direct_connections.h): a client connection handed to
  // an instance counts there as one request in flight until it closes or comes back. Picks the
  // ready instance with the fewest requests in flight, direct connections included, among those
  // `reachable` accepts, if it holds fewer than `room`; counts the connection on it. nullopt:
  // the front door keeps the connection.
  std::optional<std::string> PickDirect(int room,
                                        const std::function<bool(const std::string&)>& reachable);
  // false: the instance returns direct connections (it drains) and gets none until true again.
  void SetDirectAccepted(const std::string& instance_id, bool accepted);
  // `count` direct connections of the instance closed or came back.
  void DirectEnded(const std::string& instance_id, int count = 1);
  // What the instance reports of its direct connections: requests running now, and the most at
  // once since its previous report. Part of the scaling signal (HttpInflight, TakePeakInflight,
  // the load hook); an idle direct connection is not load.
  void DirectLoad(const std::string& instance_id, int in_flight, int peak);
  int DirectConnections(const std::string& instance_id) const;

  // HTTP requests the app holds: buffered + running, plus what instances report running on
  // direct connections. The HTTP scaling metric.
  int HttpInflight() const;
  // The most requests held at once since the previous call (at least HttpInflight() now); the
  // scale controller's load signal, so that a decision does not depend on the instant it samples
  // (closed-loop clients are briefly between requests, and a sample in that dip under-counts).
  int TakePeakInflight();
  // Requests the instance holds, a direct connection counting as one (what a drain waits for).
  int Inflight(const std::string& instance_id) const;
  // Requests running on the instance: through the front door, and on its direct connections as
  // it last reported (what users see in /admin/platform/instances).
  int RequestsInflight(const std::string& instance_id) const;
  std::size_t Buffered() const;
  std::vector<ColdStartRecord> ColdStarts() const;  // the most recent, oldest first

 private:
  struct Route {
    int port = 0;
    int inflight = 0;
    int direct = 0;            // direct connections handed to it
    int direct_in_flight = 0;  // requests running on them (its last report)
    bool direct_refused = false;  // SetDirectAccepted(false)
    std::shared_ptr<HttpClientPool> pool;
  };
  struct Pending {
    HttpRequest request;
    Responder respond;
    MonoTime enqueued_at{};
  };
  // A cold request sent to a starting instance: its wait is recorded when the instance is ready
  // (up to its answer, when that came first).
  struct EarlyWait {
    MonoTime enqueued_at{};
    std::optional<MonoTime> answered_at;
  };
  using Routes = std::map<std::string, Route>;
  // Picks the ready instance with the fewest requests in flight (round-robin among ties), or,
  // with none ready, a starting one, and counts the request on it; nullptr when there is none.
  // Lock held.
  Routes::value_type* PickLocked();
  void Forward(const std::string& id, std::shared_ptr<HttpClientPool> pool, HttpRequest request,
               Responder respond, std::shared_ptr<EarlyWait> early = nullptr);
  // Sends the buffered requests to the instances that take them now (after AddReady/Starting).
  void FlushBuffer();
  // Records `held` in the peak; returns the load hook when it fires (call it unlocked).
  std::function<void()> NoteLoadLocked(int held);
  void OnBufferTimer();
  void ArmBufferTimerLocked();

  EventLoop& loop_;
  Clock& clock_;
  FrontDoorOptions options_;
  mutable std::mutex mu_;
  Routes ready_;
  Routes starting_;
  std::map<std::string, std::vector<std::shared_ptr<EarlyWait>>> early_;  // by starting instance
  std::map<std::string, int> removed_inflight_;  // removed instances with requests still running
  std::map<std::string, int> removed_direct_;    // and with direct connections still open
  int direct_total_ = 0;      // direct connections open
  int direct_in_flight_ = 0;  // sum of the routes' direct_in_flight
  std::size_t rr_ = 0;
  int running_ = 0;
  int peak_ = 0;  // of running_ + buffered, since TakePeakInflight
  bool load_armed_ = false;
  int load_above_ = 0;
  std::function<void()> load_hook_;
  std::deque<Pending> buffer_;
  TimerId buffer_timer_ = kNoTimer;
  std::function<void()> cold_hook_;
  StartedHook started_hook_;
  FrontDoorObserver* observer_ = nullptr;
  std::deque<ColdStartRecord> cold_starts_;
};

}  // namespace squall
