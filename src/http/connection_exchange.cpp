#include "http/connection_exchange.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "core/ascii.h"
#include "core/asio_context.h"
#include "core/log.h"
#include "core/random.h"

namespace squall {

namespace net = boost::asio;

namespace {

constexpr const char* kCategory = "Http.Exchange";

sockaddr_un AbstractAddress(const std::string& name, socklen_t& len) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL, no file; gone with the socket.
  std::size_t n = std::min(name.size(), sizeof(addr.sun_path) - 1);
  std::memcpy(addr.sun_path + 1, name.data(), n);
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
  return addr;
}

Status Errno(const std::string& what) {
  return Unavailable(what + ": " + std::strerror(errno));
}

class SeqpacketChannel final : public ExchangeChannel {
 public:
  SeqpacketChannel(EventLoop& loop, int fd)
      : descriptor_(AsioContext(loop), fd), buffer_(kExchangeMaxPayload + 1) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      uid_ = static_cast<int>(cred.uid);
      pid_ = static_cast<int>(cred.pid);
    }
    int size = 4 << 20;  // room for a few steered requests in flight
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }

  ~SeqpacketChannel() override {
    for (auto& m : queue_) {
      if (m.fd >= 0) ::close(m.fd);
    }
  }

  void Start(OnMessage on_message, OnClosed on_closed) override {
    {
      std::lock_guard lock(mu_);
      on_message_ = std::move(on_message);
      on_closed_ = std::move(on_closed);
    }
    WaitRead();
  }

  bool Send(char kind, std::string payload, int fd) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    queue_.push_back({kind, std::move(payload), fd});
    if (queue_.size() == 1) FlushLocked();
    return true;
  }

  void Close() override {
    OnClosed done;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
      done = std::move(on_closed_);
      // Connections queued for a peer that is gone go back to their owner.
      for (auto& m : queue_) {
        if (m.fd < 0 || !bounce_) continue;
        net::post(descriptor_.get_executor(),
                  [bounce = bounce_, m = std::move(m)]() mutable { bounce(std::move(m)); });
        m.fd = -1;
      }
      boost::system::error_code ignored;
      descriptor_.cancel(ignored);
      descriptor_.close(ignored);
    }
    if (done) done();
  }

  void SetBounce(OnMessage bounce) override {
    std::lock_guard lock(mu_);
    bounce_ = std::move(bounce);
  }

  int peer_uid() const override { return uid_; }
  int peer_pid() const override { return pid_; }

 private:
  // Sends what is queued until the socket would block; then waits until it is writable.
  void FlushLocked() {
    while (!queue_.empty()) {
      ExchangeMessage& m = queue_.front();
      std::string frame(1, m.kind);
      frame += m.payload;
      iovec iov{frame.data(), frame.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
      if (m.fd >= 0) {
        std::memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &m.fd, sizeof(int));
      }
      ssize_t n = ::sendmsg(descriptor_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        descriptor_.async_wait(net::posix::descriptor_base::wait_write,
                               [self = shared_from_this()](boost::system::error_code ec) {
                                 auto* me = static_cast<SeqpacketChannel*>(self.get());
                                 std::lock_guard lock(me->mu_);
                                 if (ec || me->closed_) return;
                                 me->FlushLocked();
                               });
        return;
      }
      if (n < 0) {
        LogWarn(kCategory, "exchange send failed: {}", std::strerror(errno));
        // The peer is gone: close the channel first (its owner stops choosing it), then give a
        // connection that could not be handed over back to its owner (both on the loop,
        // outside this lock, in that order).
        if (!close_posted_) {
          close_posted_ = true;
          net::post(descriptor_.get_executor(), [self = shared_from_this()] { self->Close(); });
        }
        if (m.fd >= 0 && bounce_) {
          net::post(descriptor_.get_executor(),
                    [bounce = bounce_, m = std::move(m)]() mutable { bounce(std::move(m)); });
          queue_.pop_front();
          continue;
        }
      }
      if (m.fd >= 0) ::close(m.fd);
      queue_.pop_front();
    }
  }

  void WaitRead() {
    descriptor_.async_wait(net::posix::descriptor_base::wait_read,
                           [self = shared_from_this()](boost::system::error_code ec) {
                             static_cast<SeqpacketChannel*>(self.get())->OnReadable(ec);
                           });
  }

  void OnReadable(boost::system::error_code ec) {
    if (ec) return Close();
    for (;;) {
      iovec iov{buffer_.data(), buffer_.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(descriptor_.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Close();  // 0: the peer closed
      ExchangeMessage m;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
          int fd = -1;
          std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          if (m.fd < 0) {
            m.fd = fd;
          } else {
            ::close(fd);  // one per message; more is a protocol error
          }
        }
      }
      if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
        LogWarn(kCategory, "exchange message truncated: dropped");
        if (m.fd >= 0) ::close(m.fd);
        continue;
      }
      m.kind = buffer_[0];
      m.payload.assign(buffer_.data() + 1, static_cast<std::size_t>(n) - 1);
      OnMessage handler;
      {
        std::lock_guard lock(mu_);
        if (closed_) {
          if (m.fd >= 0) ::close(m.fd);
          return;
        }
        handler = on_message_;
      }
      if (handler) {
        handler(std::move(m));
      } else if (m.fd >= 0) {
        ::close(m.fd);
      }
      // One message at a time: what it started (an adopted connection's first request) runs
      // before the next is read. A burst of 64 connections otherwise had every one adopted
      // before the first request was answered.
      net::post(descriptor_.get_executor(), [self = shared_from_this()] {
        static_cast<SeqpacketChannel*>(self.get())->OnReadable({});
      });
      return;
    }
    WaitRead();
  }

  net::posix::stream_descriptor descriptor_;
  std::vector<char> buffer_;
  std::mutex mu_;
  bool closed_ = false;
  bool close_posted_ = false;
  std::deque<ExchangeMessage> queue_;
  OnMessage on_message_;
  OnClosed on_closed_;
  OnMessage bounce_;
  int uid_ = -1;
  int pid_ = -1;
};

class SeqpacketListener final : public ExchangeListener {
 public:
  SeqpacketListener(EventLoop& loop, int fd, std::string name, OnChannel on_channel)
      : loop_(loop), descriptor_(std::make_shared<net::posix::stream_descriptor>(AsioContext(loop), fd)),
        name_(std::move(name)), on_channel_(std::move(on_channel)) {}
  ~SeqpacketListener() override { Close(); }

  void Accept() {
    std::weak_ptr<net::posix::stream_descriptor> weak = descriptor_;
    descriptor_->async_wait(
        net::posix::descriptor_base::wait_read, [this, weak](boost::system::error_code ec) {
          auto d = weak.lock();
          if (ec || !d || !d->is_open()) return;
          for (;;) {
            int fd = ::accept4(d->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) break;
            on_channel_(ExchangeChannel::Adopt(loop_, fd));
          }
          Accept();
        });
  }

  const std::string& name() const override { return name_; }

  void Close() override {
    boost::system::error_code ignored;
    descriptor_->cancel(ignored);
    descriptor_->close(ignored);
  }

 private:
  EventLoop& loop_;
  std::shared_ptr<net::posix::stream_descriptor> descriptor_;
  std::string name_;
  OnChannel on_channel_;
};

}  // namespace

bool IsPlatformPath(std::string_view path) {
  for (std::string_view root : {std::string_view("/metrics"), std::string_view("/admin")}) {
    if (path.size() >= root.size() && EqualsIgnoreCase(path.substr(0, root.size()), root) &&
        (path.size() == root.size() || path[root.size()] == '/')) {
      return true;
    }
  }
  return false;
}

std::shared_ptr<ExchangeChannel> ExchangeChannel::Adopt(EventLoop& loop, int fd) {
  return std::make_shared<SeqpacketChannel>(loop, fd);
}

StatusOr<std::shared_ptr<ExchangeChannel>> ExchangeChannel::Connect(EventLoop& loop,
                                                                    const std::string& name) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  socklen_t len = 0;
  sockaddr_un addr = AbstractAddress(name, len);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    Status s = Errno("cannot connect to the platform's exchange '" + name + "'");
    ::close(fd);
    return s;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return Adopt(loop, fd);
}

StatusOr<std::unique_ptr<ExchangeListener>> ExchangeListener::Listen(EventLoop& loop,
                                                                    OnChannel on_channel) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  std::string name = "squall-" + std::to_string(::getpid()) + "-" + RandomKey(12);
  socklen_t len = 0;
  sockaddr_un addr = AbstractAddress(name, len);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 128) != 0) {
    Status s = Errno("cannot listen on the exchange socket");
    ::close(fd);
    return s;
  }
  auto listener = std::make_unique<SeqpacketListener>(loop, fd, std::move(name),
                                                      std::move(on_channel));
  listener->Accept();
  return std::unique_ptr<ExchangeListener>(std::move(listener));
}

}  // namespace squall
