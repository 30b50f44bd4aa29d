// The state of one HTTP invocation as it moves through FunctionHost (private to src/host).
#pragma once

#include <atomic>
#include <list>
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
  MonoTime invoked_at{};  // past the gates: its concurrency slot's time starts here
  std::string id;
  std::atomic<std::uint64_t> generation{0};  // written on send, read by the timeout path
  MonoTime deadline{};
  bool timeout_armed = false;  // guarded by FunctionHost::timeouts_mu_
  std::list<std::shared_ptr<FunctionHost::Invocation>>::iterator timeout_pos;
  std::shared_ptr<HttpCall> call;
  std::atomic<bool> done{false};
  bool resent = false;  // sent again once after finding the worker gone
  // Non-HTTP triggers: the JSON protocol body, built by the listener (kept for a resend).
  std::string trigger_body;
  bool is_trigger = false;
};

}  // namespace squall
