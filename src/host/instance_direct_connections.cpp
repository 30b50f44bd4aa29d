#include "host/instance_direct_connections.h"

#include <fmt/format.h>

#include <unistd.h>

#include "core/log.h"
#include "host/function_host.h"

namespace squall {

namespace {
constexpr const char* kCategory = "Host.Direct";
// Answered requests and closed connections reach the platform's metrics and counts this long
// after the first of them at most (one message per 5 ms under load, none when idle).
constexpr Duration kReportDelay = std::chrono::milliseconds(5);
// How often the host's drain state is looked at (a drain returns the direct connections).
constexpr Duration kDrainPoll = std::chrono::milliseconds(100);
constexpr std::size_t kMaxReportBytes = kExchangeMaxPayload - 64;

}  // namespace

InstanceDirectConnections::InstanceDirectConnections(Clock& clock, HttpServer& server,
                                                     FunctionHost& host,
                                                     std::shared_ptr<ExchangeChannel> channel,
                                                     std::string token, std::string instance_id)
    : clock_(clock), server_(server), host_(host), channel_(std::move(channel)),
      token_(std::move(token)), instance_id_(std::move(instance_id)) {}

InstanceDirectConnections::~InstanceDirectConnections() {
  *alive_ = false;
  Stop();
}

void InstanceDirectConnections::Start() {
  std::weak_ptr<bool> alive = alive_;
  channel_->SetBounce([](ExchangeMessage m) {
    // The platform is gone: nowhere to return the connection to.
    if (m.fd >= 0) ::close(m.fd);
  });
  channel_->Start(
      [this, alive](ExchangeMessage m) {
        if (auto a = alive.lock(); !a || !*a) {
          if (m.fd >= 0) ::close(m.fd);
          return;
        }
        if (m.kind == kExchangeConnection && m.fd >= 0) {
          server_.Adopt(DetachedConnection{m.fd, std::move(m.payload)}, /*direct=*/true);
          // The platform counted a request on its way; report what really runs, even if the
          // client sends nothing.
          std::lock_guard lock(mu_);
          adopted_ = true;
          ArmReportLocked();
          return;
        }
        if (m.fd >= 0) ::close(m.fd);
        LogWarn(kCategory, "unexpected message '{}' from the platform", m.kind);
      },
      [] { LogInfo(kCategory, "the platform's exchange channel closed"); });
  channel_->Send(kExchangeHello, token_ + "\n" + instance_id_);
  std::lock_guard lock(mu_);
  timer_ = clock_.Schedule(kDrainPoll, [this, alive] {
    if (auto a = alive.lock(); a && *a) PollDrain();
  });
}

void InstanceDirectConnections::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    clock_.Cancel(timer_);
    clock_.Cancel(report_timer_);
    timer_ = kNoTimer;
    report_timer_ = kNoTimer;
  }
  Flush();
}

ConnectionSteering::Sink InstanceDirectConnections::Steer(const HttpRequest& request,
                                                          bool direct) {
  if (!direct) return {};
  if (!host_.accepting()) return ReturnSink();
  if (IsPlatformPath(request.path())) return SinkFor(kExchangeConnection);
  return {};
}

ConnectionSteering::Sink InstanceDirectConnections::ReturnSink() {
  return SinkFor(kExchangeReturned);
}

ConnectionSteering::Sink InstanceDirectConnections::SinkFor(char kind) {
  return [this, kind, channel = channel_](DetachedConnection c) {
    Flush();  // the records of this connection's requests go first
    if (!channel->Send(kind, std::move(c.pending), c.fd)) ::close(c.fd);
  };
}

void InstanceDirectConnections::DirectStarted() {
  std::lock_guard lock(mu_);
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
  ArmReportLocked();
}

void InstanceDirectConnections::DirectClosed() {
  std::lock_guard lock(mu_);
  ++closed_;
  ArmReportLocked();
}

void InstanceDirectConnections::ArmReportLocked() {
  if (report_timer_ != kNoTimer || stopped_) return;
  std::weak_ptr<bool> alive = alive_;
  report_timer_ = clock_.Schedule(kReportDelay, [this, alive] {
    if (auto a = alive.lock(); !a || !*a) return;
    {
      std::lock_guard lock(mu_);
      report_timer_ = kNoTimer;
    }
    Flush();
  });
}

void InstanceDirectConnections::DirectAnswered(const std::string& target, int status,
                                               Duration latency) {
  bool full = false;
  {
    std::lock_guard lock(mu_);
    in_flight_ = std::max(0, in_flight_ - 1);
    fmt::format_to(std::back_inserter(records_), "{} {} {}\n", status,
                   std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count(), target);
    full = records_.size() >= kMaxReportBytes / 2;
    if (!full) ArmReportLocked();
  }
  if (full) Flush();
}

void InstanceDirectConnections::Flush() {
  std::string payload;
  {
    std::lock_guard lock(mu_);
    if (closed_ == 0 && records_.empty() && peak_ == reported_peak_ && !adopted_) return;
    adopted_ = false;
    payload = fmt::format("{} {} {}\n", closed_, in_flight_, peak_);
    payload += records_;
    closed_ = 0;
    records_.clear();
    peak_ = in_flight_;
    reported_peak_ = peak_;
  }
  channel_->Send(kExchangeReport, std::move(payload));
}

void InstanceDirectConnections::PollDrain() {
  // A draining host returns its direct connections: idle ones now, busy ones after their
  // response (HttpServer); a resumed one keeps them again.
  const bool returning = !host_.accepting();
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    changed = returning != returning_;
    returning_ = returning;
    std::weak_ptr<bool> alive = alive_;
    timer_ = clock_.Schedule(kDrainPoll, [this, alive] {
      if (auto a = alive.lock(); a && *a) PollDrain();
    });
  }
  if (!changed) return;
  // Before the connections come back, so that the platform hands none over meanwhile.
  if (!returning) channel_->Send(kExchangeAccepting, "");
  server_.ReturnDirectConnections(returning);
}

}  // namespace squall
