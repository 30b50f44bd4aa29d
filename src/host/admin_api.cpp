// The host's admin API (master key): /admin/host/status, /admin/functions, drain and resume.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "host/concurrency_json.h"
#include "host/function_host.h"
#include "http/route_template.h"

namespace squall {

namespace json = boost::json;

namespace {

const char* DrainStateName(FunctionHost::DrainState s) {
  switch (s) {
    case FunctionHost::DrainState::kDisabled: return "Disabled";
    case FunctionHost::DrainState::kInProgress: return "InProgress";
    case FunctionHost::DrainState::kCompleted: return "Completed";
  }
  return "Disabled";
}


}  // namespace

// Azure's "run a non-HTTP function" admin call: POST /admin/functions/{name} {"input": "..."}
// -> 202 Accepted; the invocation runs in the background like a triggered one.
void FunctionHost::HandleAdminInvoke(const HttpRequest& request, const std::string& name,
                                     Responder respond) {
  const HttpFunction* entry = nullptr;
  for (const auto& f : trigger_functions_) {
    if (EqualsIgnoreCase(f.config->name, name)) entry = &f;
  }
  if (entry == nullptr) {
    for (const auto& f : http_functions_) {
      if (EqualsIgnoreCase(f.config->name, name)) {
        return respond(TextResponse(400, "Function '" + f.config->name +
                                             "' is HTTP-triggered: call its URL instead.\n"));
      }
    }
    return respond(TextResponse(404, "No function named '" + name + "' runs on this host.\n"));
  }
  std::string input;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec);
    const json::object* o = ec ? nullptr : body.if_object();
    const json::value* v = o ? o->if_contains("input") : nullptr;
    if (o == nullptr || (v != nullptr && !v->is_string() && !v->is_null())) {
      return respond(TextResponse(400, "Expected a JSON body {\"input\": \"...\"}.\n"));
    }
    if (v != nullptr && v->is_string()) input = std::string(v->get_string());
  }
  if (!accepting()) {
    HttpResponse r = TextResponse(503, "The host is draining; not accepting new invocations.\n");
    r.SetHeader("Retry-After", "1");
    return respond(std::move(r));
  }
  if (bindings_ == nullptr) {
    return respond(TextResponse(503, "Triggers are not running on this host.\n"));
  }
  Status started = bindings_->RunOnce(*entry->config, std::move(input));
  if (!started.ok()) return respond(TextResponse(500, started.message() + "\n"));
  respond(TextResponse(202, ""));
}

void FunctionHost::HandleAdmin(const HttpRequest& request,
                               const std::vector<std::string>& segments, Responder respond) {
  // Azure answers the liveness ping without a key.
  if (PathEquals(segments, {"admin", "host", "ping"})) return respond(TextResponse(200, ""));
  if (!keys_.IsMaster(KeyFromRequest(request))) {
    return respond(TextResponse(401, "Unauthorized: the admin API needs the master key.\n"));
  }
  const std::string& method = request.method;
  auto wrong_method = [&](const char* allow) {
    HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.SetHeader("Allow", allow);
    respond(std::move(r));
  };

  if (PathEquals(segments, {"admin", "host", "status"})) {
    if (method != "GET") return wrong_method("GET");
    json::object o;
    o["id"] = options_.host_id;
    std::string state = "Running";
    if (stopping_) {
      state = "Stopping";
    } else if (draining_) {
      state = "Draining";
    } else if (supervisor_.state() != WorkerSupervisor::State::kReady || warming_) {
      state = "Initialized";  // host up, worker not (yet) ready or its warmup running
    }
    o["state"] = state;
    o["version"] = options_.host_version;
    o["processUptime"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now() - started_at_).count();
    json::object executions;  // non-HTTP ones, for the platform's usage meter
    executions["count"] = trigger_executions();
    executions["seconds"] = std::chrono::duration<double>(trigger_execution_time()).count();
    o["triggerExecutions"] = std::move(executions);
    json::object worker;
    worker["state"] = WorkerSupervisor::StateName(supervisor_.state());
    worker["pid"] = supervisor_.pid();
    worker["restarts"] = supervisor_.restarts();
    if (auto startup = supervisor_.last_startup()) {
      worker["startupSeconds"] = std::chrono::duration<double>(*startup).count();
    }
    o["worker"] = std::move(worker);
    return respond(JsonResponse(200, json::serialize(o)));
  }

  if (PathEquals(segments, {"admin", "functions"})) {
    if (method != "GET") return wrong_method("GET");
    json::array arr;
    for (const auto& [fn, route] : HttpRoutes()) {
      json::object o;
      o["name"] = fn->config->name;
      o["trigger"] = fn->trigger->type;
      o["route"] = route;
      json::array methods;
      for (auto& m : fn->trigger->methods) methods.emplace_back(m);
      o["methods"] = std::move(methods);
      o["authLevel"] = AuthLevelName(fn->trigger->auth_level);
      o["forwarding"] = fn->forward;
      o["supported"] = true;
      arr.emplace_back(std::move(o));
    }
    for (const auto& fn : trigger_functions_) {
      json::object o;
      o["name"] = fn.config->name;
      o["trigger"] = fn.trigger->type;
      o["supported"] = true;
      arr.emplace_back(std::move(o));
    }
    if (warmup_) {
      json::object o;
      o["name"] = warmup_->config->name;
      o["trigger"] = warmup_->trigger->type;
      o["supported"] = true;
      arr.emplace_back(std::move(o));
    }
    for (const auto* fn : unsupported_) {
      json::object o;
      o["name"] = fn->name;
      const Binding* t = fn->Trigger();
      o["trigger"] = t ? t->type : "";
      o["supported"] = false;
      o["reason"] = "trigger not yet supported";
      arr.emplace_back(std::move(o));
    }
    for (const auto& fn : app_.functions) {
      if (!fn.disabled) continue;
      json::object o;
      o["name"] = fn.name;
      const Binding* t = fn.Trigger();
      o["trigger"] = t ? t->type : "";
      o["disabled"] = true;
      arr.emplace_back(std::move(o));
    }
    return respond(JsonResponse(200, json::serialize(arr)));
  }

  if (segments.size() == 3 && EqualsIgnoreCase(segments[1], "functions")) {
    if (method != "POST") return wrong_method("POST");
    return HandleAdminInvoke(request, segments[2], std::move(respond));
  }

  if (PathEquals(segments, {"admin", "host", "concurrency"})) {
    if (method != "GET") return wrong_method("GET");
    StaticConcurrency fixed;
    fixed.http = &app_.host.http;
    fixed.queues = &app_.host.queues;
    fixed.queue_cores = concurrency_->cores();
    fixed.http_max_concurrent = gate_.max_concurrent();
    fixed.http_per_instance = options_.http_per_instance_concurrency;
    fixed.http_running = gate_.running();
    fixed.http_waiting = gate_.waiting();
    return respond(JsonResponse(200, ConcurrencyJson(concurrency_->Describe(), fixed)));
  }

  if (PathEquals(segments, {"admin", "host", "drain"})) {
    if (method != "POST") return wrong_method("POST");
    Drain();
    return respond(JsonResponse(202, R"({"state":"InProgress"})"));
  }

  if (PathEquals(segments, {"admin", "host", "drain", "status"})) {
    if (method != "GET") return wrong_method("GET");
    json::object o;
    o["state"] = DrainStateName(drain_state());
    o["outstandingInvocations"] = outstanding();
    json::object executions;  // final once nothing runs: the platform meters them at the stop
    executions["count"] = trigger_executions();
    executions["seconds"] = std::chrono::duration<double>(trigger_execution_time()).count();
    o["triggerExecutions"] = std::move(executions);
    return respond(JsonResponse(200, json::serialize(o)));
  }

  if (PathEquals(segments, {"admin", "host", "resume"})) {
    if (method != "POST") return wrong_method("POST");
    Resume();
    return respond(JsonResponse(200, R"({"state":"Running"})"));
  }

  respond(TextResponse(404, "Not Found\n"));
}

}  // namespace squall
