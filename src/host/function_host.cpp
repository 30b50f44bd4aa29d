#include "host/function_host.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/log.h"
#include "host/invocation_protocol.h"
#include "host/invocation_state.h"

namespace json = boost::json;

namespace squall {

namespace {

bool MethodAllowed(const Binding& trigger, std::string_view method) {
  if (trigger.methods.empty()) return true;
  return std::any_of(trigger.methods.begin(), trigger.methods.end(),
                     [&](const std::string& m) { return EqualsIgnoreCase(m, method); });
}

std::string AllowHeader(const std::vector<const FunctionHost::HttpFunction*>& fns) {
  std::vector<std::string> methods;
  for (auto* f : fns) {
    if (f->trigger->methods.empty()) return "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";
    for (auto& m : f->trigger->methods)
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
  }
  std::string out;
  for (auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

// host.json maxConcurrentRequests (-1 = none) capped by the plan's per-instance concurrency.
int EffectiveMaxConcurrentRequests(const HttpExtensionConfig& http, int per_instance) {
  if (per_instance <= 0) return http.max_concurrent_requests;
  if (http.max_concurrent_requests < 0) return per_instance;
  return std::min(http.max_concurrent_requests, per_instance);
}

std::unique_ptr<ConcurrencyManager> MakeConcurrencyManager(
    Clock& clock, const AppConfig& app, const FunctionHostOptions& options,
    const std::vector<std::pair<std::string, bool>>& functions) {
  const ConcurrencyConfig& c = app.host.concurrency;
  ConcurrencyManagerOptions o;
  o.policy.dynamic_concurrency_enabled = c.dynamic_concurrency_enabled;
  o.policy.snapshot_persistence_enabled = c.snapshot_persistence_enabled;
  o.policy.maximum_function_concurrency = c.maximum_function_concurrency;
  o.policy.cpu_threshold = c.cpu_threshold;
  o.cores = std::max(1, static_cast<int>(options.cpu_cores + 0.5));
  if (app.host.http.max_outstanding_requests > 0) {
    o.http_queue_limit = app.host.http.max_outstanding_requests;
  }
  std::unique_ptr<HostHealthMonitor> health;
  if (c.dynamic_concurrency_enabled) {
    health = std::make_unique<HostHealthMonitor>(
        clock, HealthThresholdsFor(o.policy, options.instance_memory_bytes), options.cpu_cores,
        options.usage_reader ? options.usage_reader : &HostHealthMonitor::ReadOwnProcessTree);
  }
  return std::make_unique<ConcurrencyManager>(clock, o, std::move(health), functions);
}

}  // namespace

FunctionHost::FunctionHost(EventLoop& loop, Clock& clock, const AppConfig& app, KeyStore keys,
                           WorkerLauncher& launcher, FunctionHostOptions options)
    : loop_(loop), clock_(clock), app_(app), keys_(std::move(keys)),
      options_(std::move(options)), supervisor_(clock, launcher, options_.worker),
      gate_(EffectiveMaxConcurrentRequests(app.host.http, options_.http_per_instance_concurrency),
            app.host.http.max_outstanding_requests),
      started_at_(clock.Now()) {}

FunctionHost::~FunctionHost() {
  std::lock_guard lock(timeouts_mu_);
  clock_.Cancel(timeout_timer_);
  timeouts_.clear();
}

StatusOr<std::unique_ptr<FunctionHost>> FunctionHost::Create(
    EventLoop& loop, Clock& clock, const AppConfig& app, KeyStore keys, WorkerLauncher& launcher,
    FunctionHostOptions options, std::vector<ConfigIssue>* issues) {
  std::unique_ptr<FunctionHost> host(
      new FunctionHost(loop, clock, app, std::move(keys), launcher, std::move(options)));
  host->prefix_segments_ = SplitPath(app.host.http.route_prefix);
  bool failed = false;
  host->http_functions_.reserve(app.functions.size());
  const auto& only = host->options_.functions;
  for (const auto& fn : app.functions) {
    if (fn.disabled) continue;
    if (!only.empty() && std::none_of(only.begin(), only.end(), [&](const std::string& name) {
          return EqualsIgnoreCase(name, fn.name);
        }))
      continue;
    const Binding* trigger = fn.Trigger();
    if (!trigger) continue;
    HttpFunction entry;
    entry.config = &fn;
    entry.trigger = trigger;
    entry.log_category = "Function." + fn.name;
    if (fn.trigger_kind() == TriggerKind::kQueue || fn.trigger_kind() == TriggerKind::kTimer) {
      host->trigger_functions_.push_back(std::move(entry));
      continue;
    }
    if (fn.trigger_kind() == TriggerKind::kWarmup) {
      host->warmup_ = std::move(entry);
      continue;
    }
    if (fn.trigger_kind() != TriggerKind::kHttp) {
      host->unsupported_.push_back(&fn);
      continue;
    }
    entry.route = trigger->route.value_or(fn.name);
    entry.forward = app.host.custom_handler.enable_forwarding_http_request && fn.IsHttpOnly();
    auto parsed = RouteTemplate::Parse(entry.route);
    if (!parsed.ok()) {
      std::size_t index = static_cast<std::size_t>(trigger - fn.bindings.data());
      issues->push_back({(fn.dir / "function.json").string(),
                         "/bindings/" + std::to_string(index) + "/route",
                         parsed.status().message()});
      failed = true;
      continue;
    }
    host->router_.Add(static_cast<int>(host->http_functions_.size()), std::move(*parsed));
    host->http_functions_.push_back(std::move(entry));
  }
  if (failed) return InvalidArgument("invalid routes");
  std::vector<std::pair<std::string, bool>> functions;  // name, HTTP-triggered
  for (const auto& f : host->http_functions_) functions.emplace_back(f.config->name, true);
  for (const auto& f : host->trigger_functions_) functions.emplace_back(f.config->name, false);
  host->concurrency_ = MakeConcurrencyManager(clock, app, host->options_, functions);
  return host;
}

std::vector<std::pair<const FunctionHost::HttpFunction*, std::string>> FunctionHost::HttpRoutes()
    const {
  std::vector<std::pair<const HttpFunction*, std::string>> out;
  for (const auto& f : http_functions_) {
    std::string full = app_.host.http.route_prefix;
    if (!full.empty() && !f.route.empty()) full += '/';
    full += f.route;
    out.emplace_back(&f, full);
  }
  return out;
}

std::vector<const FunctionConfig*> FunctionHost::TriggerFunctions() const {
  std::vector<const FunctionConfig*> out;
  for (const auto& f : trigger_functions_) out.push_back(f.config);
  return out;
}

void FunctionHost::InvokeTrigger(const FunctionConfig& fn, std::string body,
                                 std::function<void(StatusOr<std::string>)> done) {
  const HttpFunction* entry = nullptr;
  for (const auto& f : trigger_functions_) {
    if (f.config == &fn) entry = &f;
  }
  if (entry == nullptr) {
    return done(NotFound("function '" + fn.name + "' is not a trigger function of this host"));
  }
  InvokeEntry(entry, std::move(body), std::move(done));
}

void FunctionHost::RunWarmup(std::function<void(Status)> done) {
  if (!warmup_) return done(NotFound("the app has no warmupTrigger function"));
  // The custom-handler payload: the trigger binding's name → a (empty) warmup context.
  json::object data;
  data[warmup_->trigger->name] = json::object{};
  json::object body;
  body["Data"] = std::move(data);
  body["Metadata"] = json::object{};
  warming_ = true;
  InvokeEntry(&*warmup_, json::serialize(body),
              [this, done = std::move(done)](StatusOr<std::string> result) {
                warming_ = false;
                done(result.ok() ? Status::Ok() : result.status());
              });
}

void FunctionHost::InvokeEntry(const HttpFunction* entry, std::string body,
                               std::function<void(StatusOr<std::string>)> done) {
  if (!accepting()) {
    return done(Unavailable("the host is draining; not accepting new invocations"));
  }
  auto inv = std::make_shared<Invocation>();
  inv->function = entry;
  inv->is_trigger = true;
  inv->trigger_body = std::move(body);
  inv->start = clock_.Now();
  inv->respond = [done = std::move(done)](HttpResponse r) {
    if (r.status == 200) return done(std::move(r.body));
    done(Internal(std::move(r.body)));
  };
  ++outstanding_;
  Invoke(std::move(inv));
}

void FunctionHost::AdmitToFunction(std::shared_ptr<Invocation> inv) {
  const std::string& name = inv->function->config->name;
  switch (concurrency_->AdmitHttp(name, [this, inv] { Invoke(inv); })) {
    case RequestGate::Admission::kRunNow:
      return Invoke(std::move(inv));
    case RequestGate::Admission::kQueued:
      return;
    case RequestGate::Admission::kRejected: {
      --outstanding_;
      gate_.Leave();
      LogWarn("Host.Concurrency", "function '{}': request refused (429): its dynamic "
              "concurrency level is full and too many requests wait", name);
      HttpResponse r = TextResponse(429, "Too many requests waiting for this function.\n");
      r.SetHeader("Retry-After", "1");
      return inv->respond(std::move(r));
    }
  }
}

void FunctionHost::Start() {
  for (const auto* fn : unsupported_) {
    const Binding* t = fn->Trigger();
    LogWarn("Host", "function '{}': trigger '{}' is not yet supported; the function is not run "
                    "(the other functions are)",
            fn->name, t ? t->type : "?");
  }
  supervisor_.Start();
}

void FunctionHost::Stop(std::function<void()> done) {
  stopping_ = true;  // no new invocations from here on
  concurrency_->Stop();
  // Invocations already running (a queue message a scale-in's stop caught mid-run) finish
  // first, as Azure's host does on shutdown; past the grace they fail with the worker.
  WaitUntilIdle(
      clock_, [this] { return outstanding_.load() == 0; }, clock_.Now() + kStopGrace,
      std::chrono::milliseconds(20),
      [this, done = std::move(done)]() mutable { supervisor_.Stop(std::move(done)); });
}

void FunctionHost::Drain() {
  if (!draining_.exchange(true)) {
    LogInfo("Host", "drain requested: new invocations are refused; {} in flight",
            outstanding_.load());
  }
}

void FunctionHost::Resume() {
  if (draining_.exchange(false)) LogInfo("Host", "resumed: accepting invocations again");
}

FunctionHost::DrainState FunctionHost::drain_state() const {
  if (!draining_) return DrainState::kDisabled;
  return outstanding_.load() > 0 ? DrainState::kInProgress : DrainState::kCompleted;
}


void FunctionHost::Handle(HttpRequest request, Responder respond) {
  std::vector<std::string> segments = SplitPath(request.path());
  if (!segments.empty() && EqualsIgnoreCase(segments[0], "admin")) {
    return HandleAdmin(request, segments, std::move(respond));
  }
  // Strip the route prefix ("api" by default).
  if (segments.size() < prefix_segments_.size() ||
      !std::equal(prefix_segments_.begin(), prefix_segments_.end(), segments.begin(),
                  [](const std::string& a, const std::string& b) { return EqualsIgnoreCase(a, b); })) {
    return respond(TextResponse(404, "Not Found\n"));
  }
  segments.erase(segments.begin(),
                 segments.begin() + static_cast<std::ptrdiff_t>(prefix_segments_.size()));

  auto matches = router_.MatchAll(segments);
  if (matches.empty()) return respond(TextResponse(404, "Not Found\n"));
  const HttpFunction* fn = nullptr;
  RouteParams params;
  std::vector<const HttpFunction*> path_matches;
  for (auto& m : matches) {
    const HttpFunction* candidate = &http_functions_[static_cast<std::size_t>(m.route_id)];
    path_matches.push_back(candidate);
    if (MethodAllowed(*candidate->trigger, request.method)) {
      fn = candidate;
      params = std::move(m.params);
      break;
    }
  }
  if (!fn) {
    HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.SetHeader("Allow", AllowHeader(path_matches));
    return respond(std::move(r));
  }

  if (fn->trigger->auth_level != AuthLevel::kAnonymous) {
    std::string key = KeyFromRequest(request);
    KeyMatch match = key.empty() ? KeyMatch::kNone : keys_.Check(fn->config->name, key);
    if (!Authorized(fn->trigger->auth_level, match)) {
      return respond(TextResponse(401, "Unauthorized\n"));
    }
  }

  if (draining_ || stopping_) {
    HttpResponse r = TextResponse(503, "The host is draining; not accepting new invocations.\n");
    r.SetHeader("Retry-After", "1");
    return respond(std::move(r));
  }

  auto inv = std::make_shared<Invocation>();
  inv->function = fn;
  inv->request = std::move(request);
  inv->params = std::move(params);
  inv->respond = std::move(respond);
  inv->start = clock_.Now();
  ++outstanding_;
  switch (gate_.Enter([this, inv] { AdmitToFunction(inv); })) {
    case RequestGate::Admission::kRunNow:
      AdmitToFunction(inv);
      break;
    case RequestGate::Admission::kQueued:
      break;
    case RequestGate::Admission::kRejected: {
      --outstanding_;
      HttpResponse r = TextResponse(429, "Too many outstanding requests.\n");
      r.SetHeader("X-FUNCTION-SCALEOUT", "1");
      inv->respond(std::move(r));
      break;
    }
  }
}

}  // namespace squall
