#include "triggers/trigger_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/log.h"
#include "core/random.h"
#include "storage/file_change_watcher.h"
#include "storage/storage_connection.h"
#include "triggers/lock_store_snapshot_store.h"
#include "triggers/queue_output_writer.h"
#include "triggers/timer_listener.h"
#include "triggers/trigger_payload.h"

namespace squall {

namespace {

double UnitRandom() {
  thread_local std::minstd_rand gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

std::string TriggerName(const FunctionConfig& fn) {
  const Binding* t = fn.Trigger();
  return t ? t->name : "input";
}

}  // namespace

TriggerRuntime::TriggerRuntime(EventLoop& loop, Clock& clock, const AppConfig& app,
                               FunctionHost& host, TriggerRuntimeOptions options)
    : loop_(loop), clock_(clock), app_(app), host_(host), options_(std::move(options)) {}

TriggerRuntime::~TriggerRuntime() {
  Stop();
  watcher_.reset();
}

bool TriggerRuntime::Runs(const FunctionConfig& fn) const {
  auto fns = host_.TriggerFunctions();
  return std::find(fns.begin(), fns.end(), &fn) != fns.end();
}

StatusOr<std::unique_ptr<TriggerRuntime>> TriggerRuntime::Create(
    EventLoop& loop, Clock& clock, const AppConfig& app, FunctionHost& host,
    TriggerRuntimeOptions options, std::vector<ConfigIssue>* issues) {
  std::unique_ptr<TriggerRuntime> rt(
      new TriggerRuntime(loop, clock, app, host, std::move(options)));
  std::size_t before = issues->size();
  rt->specs_ = ReadTriggerSpecs(app, issues);
  if (issues->size() != before) return InvalidArgument("invalid trigger bindings");
  // Open every connection a binding of this host uses now, so a bad connection string stops
  // the start with a config error instead of failing each message later.
  std::set<std::string> names;
  for (const auto& q : rt->specs_.queue_triggers) {
    if (rt->Runs(*q.function)) names.insert(q.connection_name);
  }
  for (const auto& q : rt->specs_.queue_outputs) names.insert(q.connection_name);
  if (!rt->specs_.timers.empty()) names.insert(kDefaultStorageSetting);
  for (const auto& name : names) {
    auto storage = rt->StorageFor(name);
    if (!storage.ok()) {
      bool in_file = app.settings.values.count(name) > 0;
      issues->push_back({in_file ? (app.root / "local.settings.json").string()
                                 : "environment variable " + name,
                         in_file ? "/Values/" + name : "", storage.status().message()});
    }
  }
  if (issues->size() != before) return InvalidArgument("invalid storage connection");
  const ConcurrencyOptions& policy = host.concurrency().policy();
  if (policy.dynamic_concurrency_enabled && policy.snapshot_persistence_enabled) {
    auto storage = rt->StorageFor(kDefaultStorageSetting);
    if (storage.ok()) {
      rt->snapshot_store_ = std::make_unique<LockStoreSnapshotStore>(
          *(*storage)->locks, app.root.filename().string(), rt->options_.instance_id);
    } else {
      LogWarn("Host.Concurrency", "concurrency snapshots are not kept: storage '{}': {}",
              kDefaultStorageSetting, storage.status().message());
    }
  }
  host.SetTriggerBindings(rt.get());
  return rt;
}

StatusOr<Storage*> TriggerRuntime::StorageFor(const std::string& connection_name) {
  if (auto it = storages_.find(connection_name); it != storages_.end()) return &it->second;
  std::string text = LookupAppSetting(app_, connection_name).value_or("");
  auto connection = ParseStorageConnection(text);
  if (!connection.ok()) return connection.status();
  auto storage = OpenStorage(*connection, app_.root, loop_, clock_);
  if (!storage.ok()) return storage.status();
  auto [it, inserted] = storages_.emplace(connection_name, std::move(*storage));
  LogInfo("Host.Triggers", "storage '{}': {}", connection_name, it->second.queues->Describe());
  if (connection->kind == StorageConnection::Kind::kEmbedded && !watcher_) {
    // Any commit to the shared database wakes idle listeners (see file_change_watcher.h).
    auto watcher = FileChangeWatcher::Watch(loop_, EmbeddedChangeSignalPath(app_.root),
                                            [this] {
                                              for (auto& l : listeners_) l->Wake();
                                            });
    if (watcher.ok()) {
      watcher_ = std::move(*watcher);
    } else {
      LogWarn("Host.Triggers", "queue listeners will only poll: {}", watcher.status().message());
    }
  }
  return &it->second;
}

void TriggerRuntime::Start() {
  // Messages held by hosts that were killed come back now instead of after their lease.
  for (auto& [name, storage] : storages_) {
    storage.queues->ReleaseLeasesOfDeadOwners([name = name](StatusOr<std::int64_t> released) {
      if (released.ok() && *released > 0) {
        LogInfo("Host.Triggers", "storage '{}': {} queue message(s) leased by hosts that no "
                "longer run are visible again", name, *released);
      }
    });
  }
  int threshold = app_.host.queues.NewBatchThreshold(options_.cores);
  for (const auto& spec : specs_.queue_triggers) {
    if (!Runs(*spec.function)) continue;
    auto storage = StorageFor(spec.connection_name);
    if (!storage.ok()) continue;  // reported by Create
    QueueListenerOptions o;
    o.function = spec.function;
    o.trigger_name = spec.binding_name;
    o.queue = spec.queue;
    o.settings = app_.host.queues;
    o.new_batch_threshold = threshold;
    o.lease = options_.queue_lease;
    o.lease_owner = options_.instance_id;
    const FunctionConfig* fn = spec.function;
    QueueListener::Hooks hooks;
    hooks.invoke = [this, fn](std::string body, std::function<void(StatusOr<std::string>)> done) {
      host_.InvokeTrigger(*fn, std::move(body), std::move(done));
    };
    hooks.accepting = [this] { return host_.accepting(); };
    hooks.random = UnitRandom;
    if (host_.concurrency().dynamic()) {
      hooks.available = [this, name = fn->name](int pending) {
        return host_.concurrency().AvailableInvocations(name, pending);
      };
    }
    auto listener =
        std::make_shared<QueueListener>(std::move(o), *(*storage)->queues, clock_, hooks);
    LogInfo("Host.Triggers", "function '{}': listening on queue '{}' (batchSize {}, "
            "newBatchThreshold {})", fn->name, spec.queue, app_.host.queues.batch_size,
            threshold);
    listener->Start();
    listeners_.push_back(std::move(listener));
  }
  for (const auto& spec : specs_.timers) {
    if (!Runs(*spec.function)) continue;
    auto storage = StorageFor(kDefaultStorageSetting);
    if (!storage.ok()) continue;
    TimerListenerOptions o;
    o.spec = spec;
    o.owner = options_.instance_id;
    o.app_name = app_.root.filename().string();
    o.time_zone = LookupAppSetting(app_, "WEBSITE_TIME_ZONE").value_or("");
    const FunctionConfig* fn = spec.function;
    auto invoke = [this, fn](std::string body, std::function<void(StatusOr<std::string>)> done) {
      host_.InvokeTrigger(*fn, std::move(body), std::move(done));
    };
    auto timer = TimerListener::Create(std::move(o), *(*storage)->locks, clock_, invoke);
    if (!timer.ok()) {
      LogError("Host.Triggers", "function '{}': {}", fn->name, timer.status().message());
      continue;
    }
    (*timer)->Start();
    timers_.push_back(std::move(*timer));
  }
}

void TriggerRuntime::Stop() {
  for (auto& l : listeners_) l->Stop();
  for (auto& t : timers_) t->Stop();
}

int TriggerRuntime::InFlight() const {
  int n = 0;
  for (const auto& l : listeners_) n += l->stats().in_flight;
  return n;
}

void TriggerRuntime::WriteOutputs(const FunctionConfig& fn, std::string_view response_json,
                                  std::function<void(Status)> done) {
  std::vector<QueueOutputTarget> targets;
  for (const auto& spec : specs_.queue_outputs) {
    if (spec.function != &fn) continue;
    auto storage = StorageFor(spec.connection_name);
    if (!storage.ok()) return done(storage.status());
    targets.push_back({&spec, (*storage)->queues.get()});
  }
  WriteQueueOutputs(targets, response_json, app_.host.queues.base64_encoding, std::move(done));
}

Status TriggerRuntime::RunOnce(const FunctionConfig& fn, std::string input) {
  if (!Runs(fn)) return NotFound("function '" + fn.name + "' does not run on this host");
  std::string body =
      BuildAdminInvocation(fn, TriggerName(fn), input, clock_.WallNow(), FastUuid());
  std::string name = fn.name;
  host_.InvokeTrigger(fn, std::move(body), [name](StatusOr<std::string> result) {
    if (!result.ok()) {
      LogWarn("Host.Triggers", "admin run of function '{}' failed: {}", name,
              result.status().message());
    }
  });
  return Status::Ok();
}

}  // namespace squall
