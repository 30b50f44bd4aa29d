#include "http/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/asio_context.h"

namespace squall {

StatusOr<int> PickFreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    return Internal(std::string("cannot pick a loopback port: ") + std::strerror(err));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

void ProbeLoopbackPort(EventLoop& loop, int port, std::function<void(bool)> done) {
  using boost::asio::ip::tcp;
  auto socket = std::make_shared<tcp::socket>(AsioContext(loop));
  tcp::endpoint ep(boost::asio::ip::address_v4::loopback(), static_cast<unsigned short>(port));
  socket->async_connect(ep, [socket, done = std::move(done)](const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    socket->close(ignored);
    done(!ec);
  });
}

}  // namespace squall
