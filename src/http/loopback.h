// Small loopback helpers for starting workers.
#pragma once

#include <functional>

#include "core/status.h"

namespace squall {

class EventLoop;

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close). As with Azure's
// host, the worker gets the number and binds it itself.
StatusOr<int> PickFreeLoopbackPort();

// Calls done(true) if something accepts a TCP connection on 127.0.0.1:port, else done(false).
void ProbeLoopbackPort(EventLoop& loop, int port, std::function<void(bool)> done);

}  // namespace squall
