// An in-flight call of an HTTP client pool (HttpClientPool, RemoteClientPool).
#pragma once

#include "core/status.h"

namespace squall {

// Cancel() aborts the call: its callback then runs with the status the caller passed (e.g.
// kDeadlineExceeded); the callback always runs exactly once.
class HttpCall {
 public:
  virtual ~HttpCall() = default;
  virtual void Cancel(Status why) = 0;
};

}  // namespace squall
