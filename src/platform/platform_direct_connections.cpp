#include "platform/platform_direct_connections.h"

#include <unistd.h>

#include <charconv>
#include <climits>
#include <vector>

#include "core/log.h"
#include "core/random.h"
#include "platform/front_door.h"
#include "platform/instance_manager.h"

namespace squall {

namespace {

constexpr const char* kCategory = "Platform.Direct";
// A steered request travels in one exchange message with its body.
constexpr std::size_t kMaxSteeredBody = 64 * 1024;

// Splits "a b rest" into three views; false when there are fewer than three fields.
bool SplitRecord(std::string_view line, std::string_view& a, std::string_view& b,
                 std::string_view& rest) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return false;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  a = line.substr(0, first);
  b = line.substr(first + 1, second - first - 1);
  rest = line.substr(second + 1);
  return true;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc();
}

}  // namespace

PlatformDirectConnections::PlatformDirectConnections(EventLoop& loop, HttpServer& server,
                                                     FrontDoor& front_door,
                                                     DirectConnectionOptions options)
    : loop_(loop), server_(server), front_door_(front_door), options_(std::move(options)),
      token_(RandomKey(32)) {}

PlatformDirectConnections::~PlatformDirectConnections() { Close(); }

Status PlatformDirectConnections::Listen() {
  auto listener = ExchangeListener::Listen(
      loop_, [this](std::shared_ptr<ExchangeChannel> channel) { OnChannel(std::move(channel)); });
  if (!listener.ok()) return listener.status();
  listener_ = std::move(*listener);
  return Status::Ok();
}

const std::string& PlatformDirectConnections::name() const {
  static const std::string kNone;
  return listener_ ? listener_->name() : kNone;
}

void PlatformDirectConnections::Close() {
  if (listener_) listener_->Close();
  std::vector<std::shared_ptr<ExchangeChannel>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, c] : channels_) open.push_back(c);
  }
  for (auto& c : open) c->Close();
}

bool PlatformDirectConnections::Connected(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  return channels_.count(instance_id) > 0;
}

void PlatformDirectConnections::OnChannel(std::shared_ptr<ExchangeChannel> channel) {
  if (channel->peer_uid() != static_cast<int>(::getuid())) {
    LogWarn(kCategory, "refused an exchange connection from uid {} (pid {})", channel->peer_uid(),
            channel->peer_pid());
    return channel->Close();
  }
  std::weak_ptr<ExchangeChannel> weak = channel;
  channel->Start(
      [this, weak](ExchangeMessage m) {
        if (auto c = weak.lock()) {
          OnMessage(c, std::move(m));
        } else if (m.fd >= 0) {
          ::close(m.fd);
        }
      },
      [this, raw = channel.get()] {
        std::string id;
        {
          std::lock_guard lock(mu_);
          auto it = ids_.find(raw);
          if (it == ids_.end()) return;
          id = it->second;
          ids_.erase(it);
          if (auto c = channels_.find(id); c != channels_.end() && c->second.get() == raw) {
            channels_.erase(c);
          }
        }
        // Its connections are gone with it (or were returned before).
        front_door_.DirectEnded(id, INT_MAX);
        LogInfo(kCategory, "instance {}: exchange channel closed", id);
      });
}

void PlatformDirectConnections::OnMessage(const std::shared_ptr<ExchangeChannel>& channel,
                                          ExchangeMessage m) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    if (auto it = ids_.find(channel.get()); it != ids_.end()) id = it->second;
  }
  if (id.empty()) {
    // The first message must be the hello: "<token>\n<instance id>".
    auto newline = m.payload.find('\n');
    std::string_view given = std::string_view(m.payload).substr(0, newline);
    std::string claimed = newline == std::string::npos ? "" : m.payload.substr(newline + 1);
    if (m.fd >= 0) ::close(m.fd);
    if (m.kind != kExchangeHello || !ConstantTimeEquals(given, token_) ||
        !IsValidInstanceId(claimed)) {
      LogWarn(kCategory, "refused an exchange connection without a valid hello (pid {})",
              channel->peer_pid());
      return channel->Close();
    }
    std::shared_ptr<ExchangeChannel> replaced;
    {
      std::lock_guard lock(mu_);
      ids_[channel.get()] = claimed;
      auto& slot = channels_[claimed];
      replaced = std::move(slot);
      slot = channel;
    }
    channel->SetBounce([this, claimed](ExchangeMessage bounced) {
      TakeBack(claimed, std::move(bounced));
    });
    if (replaced) replaced->Close();
    LogInfo(kCategory, "instance {}: direct connections on (pid {})", claimed,
            channel->peer_pid());
    return;
  }
  if (m.kind == kExchangeReturned && m.fd >= 0) {
    // It drains: no more connections for it until it says it accepts again.
    front_door_.SetDirectAccepted(id, false);
    return TakeBack(id, std::move(m));
  }
  if (m.kind == kExchangeConnection && m.fd >= 0) return TakeBack(id, std::move(m));
  if (m.fd >= 0) ::close(m.fd);
  if (m.kind == kExchangeReport) return OnReport(id, m.payload);
  if (m.kind == kExchangeAccepting) return front_door_.SetDirectAccepted(id, true);
  LogWarn(kCategory, "instance {}: unexpected exchange message '{}'", id, m.kind);
}

void PlatformDirectConnections::TakeBack(const std::string& instance_id, ExchangeMessage m) {
  front_door_.DirectEnded(instance_id);
  // Served here from now on; its next first request may go to another instance.
  server_.Adopt(DetachedConnection{m.fd, std::move(m.payload)}, /*direct=*/false);
}

void PlatformDirectConnections::OnReport(const std::string& instance_id,
                                         const std::string& payload) {
  std::string_view rest = payload;
  auto line_end = rest.find('\n');
  std::string_view closed_text, in_flight_text, peak_text;
  int closed = 0, in_flight = 0, peak = 0;
  if (line_end == std::string_view::npos ||
      !SplitRecord(rest.substr(0, line_end), closed_text, in_flight_text, peak_text) ||
      !ParseNumber(closed_text, closed) || !ParseNumber(in_flight_text, in_flight) ||
      !ParseNumber(peak_text, peak)) {
    LogWarn(kCategory, "instance {}: malformed report", instance_id);
    return;
  }
  if (closed > 0) front_door_.DirectEnded(instance_id, closed);
  front_door_.DirectLoad(instance_id, in_flight, peak);
  rest.remove_prefix(line_end + 1);
  while (!rest.empty()) {
    line_end = rest.find('\n');
    std::string_view line = rest.substr(0, line_end);
    rest.remove_prefix(line_end == std::string_view::npos ? rest.size() : line_end + 1);
    std::string_view status_text, latency_text, target;
    int status = 0;
    std::int64_t latency_ns = 0;
    if (!SplitRecord(line, status_text, latency_text, target) ||
        !ParseNumber(status_text, status) || !ParseNumber(latency_text, latency_ns)) {
      continue;
    }
    if (options_.on_answered) {
      options_.on_answered(std::string(target), status, std::chrono::nanoseconds(latency_ns));
    }
  }
}

ConnectionSteering::Sink PlatformDirectConnections::Steer(const HttpRequest& request,
                                                          bool /*direct*/) {
  // (HttpServer offers only HTTP/1.1 kept-alive requests here.)
  if (request.body.size() > kMaxSteeredBody || IsPlatformPath(request.path())) {
    return {};
  }
  if (options_.draining && options_.draining()) return {};
  {
    std::lock_guard lock(mu_);
    if (channels_.empty()) return {};
  }
  auto picked = front_door_.PickDirect(options_.room_per_instance, [this](const std::string& id) {
    std::lock_guard lock(mu_);
    return channels_.count(id) > 0;
  });
  if (!picked) return {};
  std::shared_ptr<ExchangeChannel> channel;
  {
    std::lock_guard lock(mu_);
    if (auto it = channels_.find(*picked); it != channels_.end()) channel = it->second;
  }
  if (!channel) {
    front_door_.DirectEnded(*picked);
    return {};
  }
  return [this, id = *picked, channel](DetachedConnection c) {
    if (channel->Send(kExchangeConnection, c.pending, c.fd)) return;
    // The instance's channel closed meanwhile: serve the connection here.
    front_door_.DirectEnded(id);
    server_.Adopt(std::move(c), /*direct=*/false);
  };
}

}  // namespace squall
