#include "platform/platform.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/random.h"
#include "http/route_template.h"

namespace squall {

namespace json = boost::json;

namespace {

bool PathIs(const std::vector<std::string>& segments, std::initializer_list<std::string_view> want) {
  if (segments.size() != want.size()) return false;
  std::size_t i = 0;
  for (auto w : want)
    if (!EqualsIgnoreCase(segments[i++], w)) return false;
  return true;
}

std::string ProvidedKey(const HttpRequest& request) {
  if (const std::string* h = request.FindHeader("x-functions-key")) return *h;
  std::string_view q = request.query();
  static constexpr std::string_view kCode = "code=";
  for (std::size_t pos = 0; pos < q.size();) {
    std::size_t amp = q.find('&', pos);
    std::string_view part = q.substr(pos, amp == std::string_view::npos ? q.npos : amp - pos);
    if (part.substr(0, kCode.size()) == kCode) return std::string(part.substr(kCode.size()));
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return {};
}

}  // namespace

Platform::Platform(EventLoop& loop, Clock& clock, InstanceManager& instances, InstanceProbe& probe,
                   PlatformOptions options)
    : clock_(clock), instances_(instances), options_(std::move(options)),
      front_door_(loop, clock, options_.front_door),
      controller_(clock, instances, probe, front_door_, options_.scale),
      metrics_(front_door_, controller_, instances), started_at_(clock.Now()) {
  front_door_.SetColdRequestHook([this] { controller_.Poke(); });
  front_door_.SetObserver(&metrics_);
}

void Platform::Start() { controller_.Start(); }
void Platform::Stop() { controller_.StopAll(); }

std::string Platform::InstancesJson() {
  json::array arr;
  MonoTime now = clock_.Now();
  WallTime wall_now = clock_.WallNow();
  for (const auto& r : controller_.Instances()) {
    json::object o;
    o["id"] = r.id;
    o["group"] = r.group;
    std::string state = InstanceStateName(r.state);
    o["state"] = state;
    o["pid"] = r.pid;
    o["startedAt"] = FormatIso8601(wall_now - (now - r.started_at));
    o["inflight"] = front_door_.Inflight(r.id);
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
  o["state"] = "Running";
  o["version"] = options_.version;
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
  bool status_path = PathIs(segments, {"admin", "host", "status"});
  if (PathIs(segments, {"admin", "host", "ping"})) {
    respond(TextResponse(200, ""));
    return true;
  }
  if (!platform_path && !status_path) return false;  // the app's own: through the front door
  if (!ConstantTimeEquals(ProvidedKey(request), options_.master_key)) {
    respond(TextResponse(401, "Unauthorized: the admin API needs the master key.\n"));
    return true;
  }
  if (request.method != "GET") {
    HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.SetHeader("Allow", "GET");
    respond(std::move(r));
    return true;
  }
  if (status_path) {
    respond(JsonResponse(200, StatusJson()));
  } else if (PathIs(segments, {"admin", "platform", "instances"})) {
    respond(JsonResponse(200, InstancesJson()));
  } else if (PathIs(segments, {"admin", "platform", "scale"})) {
    respond(JsonResponse(200, ScaleJson()));
  } else {
    respond(TextResponse(404, "Not Found\n"));
  }
  return true;
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
  front_door_.Handle(std::move(request), std::move(respond));
}

}  // namespace squall
