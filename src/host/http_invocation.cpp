// The invocation pipeline of FunctionHost: wait for the worker, send (JSON protocol or
// forwarding), enforce functionTimeout, turn the outcome into the caller's response.
#include <fmt/format.h>

#include "core/log.h"
#include "core/random.h"
#include "host/invocation_protocol.h"
#include "host/invocation_state.h"

namespace squall {

namespace {

std::string FormatTimeSpan(Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return fmt::format("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}

bool IsHopByHop(std::string_view name) {
  for (std::string_view h : {"Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer",
                             "Upgrade", "Proxy-Connection", "Content-Length"}) {
    if (EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

}  // namespace

void FunctionHost::ArmTimeout(const std::shared_ptr<Invocation>& inv) {
  inv->deadline = clock_.Now() + *app_.host.function_timeout;
  std::lock_guard lock(timeouts_mu_);
  inv->timeout_pos = timeouts_.insert(timeouts_.end(), inv);
  inv->timeout_armed = true;
  if (timeout_timer_ == kNoTimer) {
    timeout_timer_ = clock_.Schedule(inv->deadline - clock_.Now(), [this] { OnTimeoutTimer(); });
  }
}

void FunctionHost::DisarmTimeout(Invocation& inv) {
  std::lock_guard lock(timeouts_mu_);
  if (!inv.timeout_armed) return;
  timeouts_.erase(inv.timeout_pos);
  inv.timeout_armed = false;
}

void FunctionHost::OnTimeoutTimer() {
  std::vector<std::shared_ptr<Invocation>> expired;
  {
    std::lock_guard lock(timeouts_mu_);
    timeout_timer_ = kNoTimer;
    MonoTime now = clock_.Now();
    while (!timeouts_.empty() && timeouts_.front()->deadline <= now) {
      auto inv = std::move(timeouts_.front());
      timeouts_.pop_front();
      inv->timeout_armed = false;
      expired.push_back(std::move(inv));
    }
    if (!timeouts_.empty()) {
      timeout_timer_ = clock_.Schedule(timeouts_.front()->deadline - now,
                                       [this] { OnTimeoutTimer(); });
    }
  }
  for (auto& inv : expired) TimeOut(inv);
}

void FunctionHost::TimeOut(const std::shared_ptr<Invocation>& inv) {
  if (inv->done) return;
  std::string msg = fmt::format("Timeout value of {} was exceeded by function: Functions.{}",
                                FormatTimeSpan(*app_.host.function_timeout),
                                inv->function->config->name);
  if (auto call = std::atomic_load(&inv->call)) call->Cancel(DeadlineExceeded(msg));
  // The worker may be stuck: restart it, as Azure's host does after a timeout.
  if (inv->generation != 0) supervisor_.Restart(inv->generation, msg);
  Finish(inv, TextResponse(500, msg + "\n"), false, "timeout");
}

std::shared_ptr<HttpClientPool> FunctionHost::PoolFor(const WorkerEndpoint& endpoint) {
  std::lock_guard lock(pool_mu_);
  if (!pool_ || pool_generation_ != endpoint.generation) {
    // A new worker: the old connections point at a process that is gone.
    pool_ = std::make_shared<HttpClientPool>(loop_, "127.0.0.1", endpoint.port);
    pool_generation_ = endpoint.generation;
  }
  return pool_;
}

void FunctionHost::Invoke(std::shared_ptr<Invocation> inv) {
  inv->id = FastUuid();
  inv->invoked_at = clock_.Now();
  concurrency_->Started(inv->function->config->name);
  if (app_.host.function_timeout) ArmTimeout(inv);
  if (WorkerEndpoint ready; supervisor_.TryGetReady(&ready)) {
    return SendToWorker(std::move(inv), ready);
  }
  WaitForWorker(std::move(inv), 0);
}

void FunctionHost::WaitForWorker(std::shared_ptr<Invocation> inv, std::uint64_t newer_than) {
  supervisor_.WhenReady(
      options_.worker.initialization_timeout,
      [this, inv](StatusOr<WorkerEndpoint> ready) {
        if (inv->done) return;
        if (!ready.ok()) {
          HttpResponse r = TextResponse(503, ready.status().message() + "\n");
          r.SetHeader("Retry-After", "1");
          return Finish(inv, std::move(r), false, ready.status().message());
        }
        SendToWorker(inv, *ready);
      },
      newer_than);
}

void FunctionHost::SendToWorker(std::shared_ptr<Invocation> inv, WorkerEndpoint endpoint) {
  inv->generation = endpoint.generation;
  const HttpFunction& fn = *inv->function;
  // The request stays intact in inv: if the worker turns out to be gone before it was sent, it
  // is sent again to the next one.
  HttpRequest out;
  if (inv->is_trigger) {
    out.method = "POST";
    out.target = "/" + fn.config->name;
    out.headers.push_back({"Content-Type", "application/json"});
    out.body = inv->trigger_body;
  } else if (fn.forward) {
    // Forwarding mode: the request as received, at the same path and query.
    out.method = inv->request.method;
    out.target = inv->request.target;
    out.headers.reserve(inv->request.headers.size() + 2);
    for (const auto& h : inv->request.headers)
      if (!IsHopByHop(h.name)) out.headers.push_back(h);
    out.body = inv->request.body;
  } else {
    HttpTriggerData data;
    const std::string* host = inv->request.FindHeader("Host");
    data.url = "http://" + (host ? *host : std::string("localhost")) + inv->request.target;
    data.method = inv->request.method;
    data.query = ParseQueryString(inv->request.query());
    data.headers = inv->request.headers;
    data.params = inv->params;
    data.body = inv->request.body;
    out.method = "POST";
    out.target = "/" + fn.config->name;
    out.headers.push_back({"Content-Type", "application/json"});
    out.body = BuildHttpInvocationRequest(*fn.config, data, clock_.WallNow(), FastUuid());
  }
  out.headers.push_back({std::string(kInvocationIdHeader), inv->id});
  out.headers.push_back({std::string(kHostVersionHeader), options_.host_version});

  auto pool = PoolFor(endpoint);
  auto call = pool->Send(std::move(out), [this, inv](StatusOr<HttpResponse> result) {
    if (inv->done) return;
    const std::string& name = inv->function->config->name;
    if (!result.ok()) {
      if (result.status().code() == StatusCode::kDeadlineExceeded) return;  // timer answered
      if (result.status().code() == StatusCode::kUnavailable && !inv->resent) {
        // Never sent: the worker is gone and its exit not yet noticed. Wait for the next one.
        inv->resent = true;
        std::uint64_t dead = inv->generation;
        WaitForWorker(inv, dead);
        return;
      }
      std::string msg = fmt::format("Function '{}' failed: {}", name,
                                    result.status().message());
      return Finish(inv, TextResponse(500, msg + "\n"), false, result.status().message());
    }
    if (inv->function->forward) {
      return Finish(inv, std::move(*result), result->status < 500, "");
    }
    if (result->status < 200 || result->status >= 300) {
      std::string msg = fmt::format("Function '{}' failed: the worker answered HTTP {}", name,
                                    result->status);
      return Finish(inv, TextResponse(500, msg + "\n"), false, msg);
    }
    Complete(inv, std::move(result->body));
  });
  std::atomic_store(&inv->call, std::move(call));
}

bool FunctionHost::HasBoundOutputs(const FunctionConfig& fn) const {
  for (const auto& b : fn.bindings) {
    if (b.direction == "out" && !EqualsIgnoreCase(b.type, "http")) return true;
  }
  return false;
}

void FunctionHost::Complete(const std::shared_ptr<Invocation>& inv, std::string worker_body) {
  const FunctionConfig& config = *inv->function->config;
  auto outcome = ParseInvocationResponse(config, worker_body);
  if (!outcome.ok()) {
    std::string msg = fmt::format("Function '{}' returned a malformed response: {}", config.name,
                                  outcome.status().message());
    return Finish(inv, TextResponse(500, msg + "\n"), false, msg);
  }
  for (const auto& line : outcome->logs) {
    LogLine(LogLevel::kInformation, inv->function->log_category, line,
            {{"invocationId", inv->id}});
  }
  HttpResponse response;
  if (inv->is_trigger) {
    response = HttpResponse{200, {}, {}};
  } else {
    response = outcome->http ? std::move(*outcome->http) : HttpResponse{204, {}, {}};
  }
  if (!HasBoundOutputs(config)) {
    if (inv->is_trigger) response.body = std::move(worker_body);
    return Finish(inv, std::move(response), true, "");
  }
  if (bindings_ == nullptr) {
    std::string msg = fmt::format("Function '{}' has output bindings this host cannot write",
                                  config.name);
    return Finish(inv, TextResponse(500, msg + "\n"), false, msg);
  }
  // The caller hears back only once the outputs are stored: a 200 (or a deleted queue message)
  // then means the messages it produced are safe.
  auto body = std::make_shared<std::string>(std::move(worker_body));
  bindings_->WriteOutputs(config, *body, [this, inv, body, response = std::move(response)](
                                             Status written) mutable {
    if (inv->done) return;
    if (!written.ok()) {
      std::string msg = fmt::format("Function '{}' failed to write its outputs: {}",
                                    inv->function->config->name, written.message());
      return Finish(inv, TextResponse(500, msg + "\n"), false, msg);
    }
    if (inv->is_trigger) response.body = std::move(*body);
    Finish(inv, std::move(response), true, "");
  });
}

void FunctionHost::Finish(const std::shared_ptr<Invocation>& inv, HttpResponse response,
                          bool succeeded, const std::string& detail) {
  if (inv->done.exchange(true)) return;
  DisarmTimeout(*inv);
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now() - inv->start);
  int status = response.status;
  // Counted out before the caller hears back, so drain status never lags the response.
  const std::string& name = inv->function->config->name;
  const Duration ran = clock_.Now() - inv->invoked_at;
  concurrency_->Finished(name, ran);
  if (inv->is_trigger) {
    trigger_execution_ns_ += ran.count();
    ++trigger_executions_;
  }
  --outstanding_;
  if (!inv->is_trigger) {
    concurrency_->LeaveHttp(name);
    gate_.Leave();
  }
  inv->respond(std::move(response));
  LogLevel level = succeeded ? LogLevel::kInformation : LogLevel::kError;
  const std::string& category = inv->function->log_category;
  if (LogEnabled(level, category)) {
    std::string message =
        fmt::format("Executed 'Functions.{}' ({})", name, succeeded ? "Succeeded" : "Failed");
    if (!detail.empty()) message += ": " + detail;
    char status_text[8], duration_text[32];
    auto status_end = fmt::format_to_n(status_text, sizeof(status_text), "{}", status).out;
    auto duration_end = fmt::format_to_n(duration_text, sizeof(duration_text), "{:.3f}",
                                         static_cast<double>(elapsed.count()) / 1000.0).out;
    LogLine(level, category, message,
            {{"function", name},
             {"invocationId", inv->id},
             {"status", std::string_view(status_text, static_cast<std::size_t>(status_end - status_text))},
             {"durationMs", std::string_view(duration_text, static_cast<std::size_t>(duration_end - duration_text))}});
  }
}

}  // namespace squall
