// The channel between the platform and one of its instances for direct connections: a
// SOCK_SEQPACKET Unix socket (abstract name) carrying one message per event, each a kind byte,
// a payload and at most one file descriptor (SCM_RIGHTS): a client connection handed over, a
// batch of request records, a notice that connections closed. Asio stays in the .cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace squall {

class EventLoop;

struct ExchangeMessage {
  char kind = 0;
  std::string payload;
  int fd = -1;  // owned by the receiver; -1 = none
};

class ExchangeChannel : public std::enable_shared_from_this<ExchangeChannel> {
 public:
  using OnMessage = std::function<void(ExchangeMessage)>;
  using OnClosed = std::function<void()>;

  // Takes a connected SOCK_SEQPACKET socket (non-blocking).
  static std::shared_ptr<ExchangeChannel> Adopt(EventLoop& loop, int fd);
  // Connects to a listener's abstract name.
  static StatusOr<std::shared_ptr<ExchangeChannel>> Connect(EventLoop& loop,
                                                            const std::string& name);
  virtual ~ExchangeChannel() = default;

  // Starts receiving; on_message runs on the loop for each message, on_closed once when the
  // peer is gone (or Close was called).
  virtual void Start(OnMessage on_message, OnClosed on_closed) = 0;
  // Thread-safe. fd (if any) is closed here once sent: the receiver gets its own. Messages
  // are sent in order. False when the channel is closed: then the caller keeps fd.
  virtual bool Send(char kind, std::string payload, int fd = -1) = 0;
  virtual void Close() = 0;
  // Messages with a descriptor that could not be sent (the peer is gone) go here, on the loop,
  // instead of being dropped: a client connection must not be lost in transit.
  virtual void SetBounce(OnMessage bounce) = 0;
  // The peer's user and process id (SO_PEERCRED).
  virtual int peer_uid() const = 0;
  virtual int peer_pid() const = 0;
};

// Message kinds of direct connections (platform ↔ instance).
inline constexpr char kExchangeHello = 'H';       // instance → platform: "<token>\n<instance id>"
inline constexpr char kExchangeConnection = 'C';  // either way: a client connection + its pending bytes
// instance → platform: a connection returned because the instance drains; the platform hands
// it no more until kExchangeAccepting.
inline constexpr char kExchangeReturned = 'B';
inline constexpr char kExchangeAccepting = 'A';  // instance → platform: takes connections again
// instance → platform: "<closed> <in flight> <peak>\n" then "<status> <latency ns> <target>\n"
// per answered request.
inline constexpr char kExchangeReport = 'R';

// The paths the platform answers for the app as a whole (/admin, /admin/..., /metrics): an
// instance hands a direct connection back for them, and the front door never hands one over.
bool IsPlatformPath(std::string_view path);

// The largest payload a message may carry (a steered request's head and body).
inline constexpr std::size_t kExchangeMaxPayload = 256 * 1024;

class ExchangeListener {
 public:
  using OnChannel = std::function<void(std::shared_ptr<ExchangeChannel>)>;
  virtual ~ExchangeListener() = default;
  // Listens on a fresh abstract name ("squall-<pid>-<random>"); channels go to on_channel (not
  // started yet), on the loop.
  static StatusOr<std::unique_ptr<ExchangeListener>> Listen(EventLoop& loop,
                                                            OnChannel on_channel);
  virtual const std::string& name() const = 0;
  virtual void Close() = 0;
};

}  // namespace squall
