#include "platform/platform.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <mutex>

#include "core/random.h"
#include "host/key_store.h"
#include "http/http_client_pool.h"
#include "http/route_template.h"

namespace squall {

namespace json = boost::json;

Platform::Platform(EventLoop& loop, Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                   PlatformOptions options)
    : loop_(loop), clock_(clock), instances_(instances), options_(std::move(options)),
      front_door_(loop, clock, options_.front_door),
      controller_(clock, instances, probe, front_door_, options_.scale),
      metrics_(front_door_, controller_, instances, options_.prices),
      executions_(clock, instances, probe,
                  [this](std::int64_t count, Duration time) {
                    metrics_.OnTriggerExecutions(count, time);
                  }),
      started_at_(clock.Now()) {
  front_door_.SetColdRequestHook([this] { controller_.Poke(); });
  // A scaled-in instance's last executions, read from its final drain status.
  controller_.SetFinalCountersHook(
      [this](const InstanceInfo& instance, std::int64_t count, Duration time) {
        executions_.Report(instance, count, time);
      });
  // The serving instances are full: decide now (premium promotes its pre-warmed instance).
  front_door_.SetLoadHook([this] { controller_.PokeLoad(); });
  // A starting instance that answers is ready: no need to wait for its next probe.
  front_door_.SetStartedHook([this](const std::string& id, std::function<void()> proceed) {
    controller_.InstanceAnswered(id, std::move(proceed));
  });
  if (options_.scale.triggers != nullptr) {
    // Work arrived on an idle trigger (a queue went from empty to not): decide now.
    options_.scale.triggers->SetWakeHook([this] { controller_.Poke(); });
  }
  front_door_.SetObserver(&metrics_);
  if (options_.memory) {
    memory_ = std::make_unique<MemoryMonitor>(
        clock_, instances_,
        [this] {
          std::vector<MemoryInstanceTag> tags;
          for (const auto& r : controller_.Instances()) {
            tags.push_back({r.id, r.host_version.empty() ? options_.version : r.host_version,
                            r.started_at});
          }
          return tags;
        },
        options_.memory_store, *options_.memory);
    memory_->RegisterMetrics(metrics_.registry());
  }
  prefix_segments_ = SplitPath(options_.route_prefix);
  for (std::size_t i = 0; i < options_.routes.size(); ++i) {
    // Routes were validated when the app loaded; one that does not parse is only unlabelled.
    if (auto t = RouteTemplate::Parse(options_.routes[i].route); t.ok()) {
      router_.Add(static_cast<int>(i), std::move(*t));
    }
  }
}

void Platform::Start() {
  controller_.Start();
  executions_.Start();
  if (memory_) memory_->Start();
}

void Platform::SetHostVersion(const std::string& version) { controller_.SetHostVersion(version); }

void Platform::Stop() {
  executions_.Stop();
  if (memory_) memory_->Stop();
  controller_.StopAll();
}

std::string Platform::InstancesJson() {
  json::array arr;
  MonoTime now = clock_.Now();
  WallTime wall_now = clock_.WallNow();
  std::map<std::string, int> pids;  // an instance started asynchronously has its pid here
  for (const auto& info : instances_.List()) pids[info.id] = info.pid;
  for (const auto& r : controller_.Instances()) {
    json::object o;
    o["id"] = r.id;
    o["group"] = r.group;
    o["hostVersion"] = r.host_version.empty() ? options_.version : r.host_version;
    std::string state = InstanceStateName(r.state);
    o["state"] = state;
    auto pid = pids.find(r.id);
    o["pid"] = r.pid != 0 || pid == pids.end() ? r.pid : pid->second;
    o["startedAt"] = FormatIso8601(wall_now - (now - r.started_at));
    o["inflight"] = front_door_.RequestsInflight(r.id);
    o["directConnections"] = front_door_.DirectConnections(r.id);
    ResourceUsage usage = instances_.Usage(r.id);
    o["memoryBytes"] = usage.measured ? usage.memory_bytes : 0;
    double cpu_percent = 0;
    if (usage.measured) {
      auto it = last_cpu_.find(r.id);
      if (it != last_cpu_.end() && now > it->second.first) {
        double wall = std::chrono::duration<double>(now - it->second.first).count();
        cpu_percent = 100.0 * (usage.cpu_seconds - it->second.second) / wall;
      }
      last_cpu_[r.id] = {now, usage.cpu_seconds};
    }
    o["cpuPercent"] = cpu_percent;
    arr.emplace_back(std::move(o));
  }
  return json::serialize(arr);
}

std::string Platform::ScaleJson() const {
  json::array arr;
  for (const auto& d : controller_.RecentDecisions()) {
    json::object o;
    o["time"] = FormatIso8601(d.time);
    o["group"] = d.group;
    o["from"] = d.from;
    o["to"] = d.to;
    o["reason"] = d.reason;
    arr.emplace_back(std::move(o));
  }
  return json::serialize(arr);
}

std::string Platform::StatusJson() const {
  json::object o;
  o["id"] = options_.app_name;
  o["state"] = draining_ ? "Draining" : "Running";
  o["version"] = options_.version;
  std::string next = controller_.host_version();
  o["hostVersion"] = next.empty() ? options_.version : next;  // what new instances run
  o["processUptime"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started_at_).count();
  o["plan"] = PlanKindName(options_.scale.plan.kind);
  std::map<std::string, int> by_state;
  for (const auto& r : controller_.Instances()) ++by_state[InstanceStateName(r.state)];
  json::object states;
  for (const auto& [s, n] : by_state) states[s] = n;
  o["instances"] = std::move(states);
  o["activationBuffer"] = front_door_.Buffered();
  return json::serialize(o);
}

bool Platform::HandleAdmin(const HttpRequest& request, Responder& respond) {
  auto segments = SplitPath(request.path());
  bool platform_path = segments.size() >= 2 && EqualsIgnoreCase(segments[0], "admin") &&
                       EqualsIgnoreCase(segments[1], "platform");
  bool status_path = PathEquals(segments, {"admin", "host", "status"});
  if (PathEquals(segments, {"admin", "host", "ping"})) {
    respond(TextResponse(200, ""));
    return true;
  }
  std::string drain_action;
  if (PathEquals(segments, {"admin", "host", "drain"})) drain_action = "drain";
  if (PathEquals(segments, {"admin", "host", "resume"})) drain_action = "resume";
  if (PathEquals(segments, {"admin", "host", "drain", "status"})) drain_action = "status";
  if (!platform_path && !status_path && drain_action.empty()) {
    return false;  // the app's own: through the front door
  }
  if (!ConstantTimeEquals(KeyFromRequest(request), options_.master_key)) {
    respond(TextResponse(401, "Unauthorized: the admin API needs the master key.\n"));
    return true;
  }
  const char* allowed = drain_action == "drain" || drain_action == "resume" ? "POST" : "GET";
  if (request.method != allowed) {
    HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.SetHeader("Allow", allowed);
    respond(std::move(r));
    return true;
  }
  if (!drain_action.empty()) {
    HandleDrain(drain_action, std::move(respond));
    return true;
  }
  if (status_path) {
    respond(JsonResponse(200, StatusJson()));
  } else if (PathEquals(segments, {"admin", "platform", "instances"})) {
    respond(JsonResponse(200, InstancesJson()));
  } else if (PathEquals(segments, {"admin", "platform", "scale"})) {
    respond(JsonResponse(200, ScaleJson()));
  } else {
    respond(TextResponse(404, "Not Found\n"));
  }
  return true;
}

void Platform::FanOut(const std::string& method, const std::string& path,
                      std::function<void(std::vector<StatusOr<HttpResponse>>)> done) {
  auto records = controller_.Instances();
  struct State {
    std::mutex mu;
    std::vector<StatusOr<HttpResponse>> answers;
    std::size_t pending = 0;
    std::function<void(std::vector<StatusOr<HttpResponse>>)> done;
  };
  auto state = std::make_shared<State>();
  state->pending = records.size();
  state->done = std::move(done);
  if (records.empty()) return state->done({});
  for (const auto& r : records) {
    auto pool = std::make_shared<HttpClientPool>(loop_, r.host, r.port, 1, "instance " + r.id);
    HttpRequest req;
    req.method = method;
    req.target = path;
    req.headers.push_back({"x-functions-key", options_.master_key});
    pool->Send(std::move(req), [state, pool](StatusOr<HttpResponse> answer) {
      std::function<void(std::vector<StatusOr<HttpResponse>>)> finish;
      std::vector<StatusOr<HttpResponse>> all;
      {
        std::lock_guard lock(state->mu);
        state->answers.push_back(std::move(answer));
        if (--state->pending > 0) return;
        finish = std::move(state->done);
        all = std::move(state->answers);
      }
      finish(std::move(all));
    });
  }
}

void Platform::HandleDrain(const std::string& action, Responder respond) {
  if (action == "drain" || action == "resume") {
    draining_ = action == "drain";
    // Each instance drains (or resumes) itself; the platform refuses new work meanwhile.
    FanOut("POST", "/admin/host/" + action, [](std::vector<StatusOr<HttpResponse>>) {});
    return respond(action == "drain" ? JsonResponse(202, R"({"state":"InProgress"})")
                                     : JsonResponse(200, R"({"state":"Running"})"));
  }
  // Status: Completed only when every instance has completed; outstanding summed.
  FanOut("GET", "/admin/host/drain/status",
         [this, respond = std::move(respond)](std::vector<StatusOr<HttpResponse>> answers) {
           long outstanding = 0;
           bool all_completed = true;
           for (const auto& a : answers) {
             boost::system::error_code ec;
             json::value v = a.ok() ? json::parse(a->body, ec) : json::value();
             if (!a.ok() || ec || !v.is_object()) {
               all_completed = false;
               continue;
             }
             const auto& o = v.get_object();
             if (const auto* n = o.if_contains("outstandingInvocations"); n && n->is_number())
               outstanding += n->to_number<long>();
             const auto* st = o.if_contains("state");
             if (!st || !st->is_string() || st->get_string() != "Completed") all_completed = false;
           }
           json::object out;
           out["state"] = !draining_ ? "Disabled" : all_completed ? "Completed" : "InProgress";
           out["outstandingInvocations"] = outstanding;
           respond(JsonResponse(200, json::serialize(out)));
         });
}

void Platform::OnDirectAnswered(const std::string& target, int status, Duration latency) {
  std::string_view path = target;
  path = path.substr(0, path.find('?'));
  metrics_.OnResponse(FunctionOf(path), status, latency);
}

const std::string& Platform::FunctionOf(std::string_view path) const {
  static const std::string kNone;
  {
    // Most traffic repeats a few paths: remembered, route matching (which splits the path into
    // strings) is done once per path, not per request.
    std::lock_guard lock(route_cache_mu_);
    if (auto it = route_cache_.find(path); it != route_cache_.end()) {
      return it->second < 0 ? kNone : options_.routes[static_cast<std::size_t>(it->second)].function;
    }
  }
  int route = -1;
  auto segments = SplitPath(path);
  bool prefixed = segments.size() >= prefix_segments_.size();
  for (std::size_t i = 0; prefixed && i < prefix_segments_.size(); ++i)
    prefixed = EqualsIgnoreCase(segments[i], prefix_segments_[i]);
  if (prefixed) {
    segments.erase(segments.begin(),
                   segments.begin() + static_cast<std::ptrdiff_t>(prefix_segments_.size()));
    auto matches = router_.MatchAll(segments);
    if (!matches.empty()) route = matches.front().route_id;
  }
  {
    std::lock_guard lock(route_cache_mu_);
    if (route_cache_.size() >= kRouteCacheSize) route_cache_.clear();  // many distinct paths
    route_cache_.emplace(std::string(path), route);
  }
  return route < 0 ? kNone : options_.routes[static_cast<std::size_t>(route)].function;
}

void Platform::Handle(HttpRequest request, Responder respond) {
  // Prometheus scrapes without a key: the metrics carry no secrets.
  if (request.target == "/metrics" && request.method == "GET") {
    HttpResponse r = TextResponse(200, metrics_.RenderText());
    r.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return respond(std::move(r));
  }
  if (request.target.rfind("/admin/", 0) == 0 || request.target == "/admin") {
    if (HandleAdmin(request, respond)) return;
  }
  respond = [this, function = &FunctionOf(request.path()), start = clock_.Now(),
             inner = std::move(respond)](HttpResponse r) {
    metrics_.OnResponse(*function, r.status, clock_.Now() - start);
    inner(std::move(r));
  };
  if (draining_) {
    HttpResponse r = TextResponse(503, "The app is draining; not accepting new invocations.\n");
    r.SetHeader("Retry-After", "1");
    return respond(std::move(r));
  }
  front_door_.Handle(std::move(request), std::move(respond));
}

}  // namespace squall
