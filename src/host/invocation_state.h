// The state of one HTTP invocation as it moves through FunctionHost (private to src/host).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "host/function_host.h"

namespace squall {

struct FunctionHost::Invocation {
  const HttpFunction* function = nullptr;
  HttpRequest request;
  RouteParams params;
  Responder respond;
  MonoTime start{};
  std::string id;
  std::uint64_t generation = 0;
  TimerId timeout_timer = kNoTimer;
  std::shared_ptr<HttpCall> call;
  std::atomic<bool> done{false};
};

}  // namespace squall
