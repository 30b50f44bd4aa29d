#include "core/signals.h"

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <memory>

#include "core/asio_context.h"

namespace squall {

void OnTerminationSignal(EventLoop& loop, std::function<void(int signal)> fn) {
  auto signals = std::make_shared<boost::asio::signal_set>(AsioContext(loop), SIGINT, SIGTERM);
  signals->async_wait([signals, fn = std::move(fn)](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    // A second signal means "now": the default action ends the process.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    fn(sig);
  });
}

}  // namespace squall
