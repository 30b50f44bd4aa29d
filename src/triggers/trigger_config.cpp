#include "triggers/trigger_config.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>

#include "core/log.h"
#include "http/http_message.h"
#include "storage/queue_store.h"
#include "timer/setting_reference.h"
#include "timer/timer_schedule.h"

extern char** environ;

namespace squall {

namespace json = boost::json;

namespace {

struct BindingSite {
  const FunctionConfig* fn;
  std::size_t index;
  std::string file() const { return (fn->dir / "function.json").string(); }
  std::string pointer(const std::string& field) const {
    return fmt::format("/bindings/{}/{}", index, field);
  }
};

// A binding's extra field, parsed; nullptr when absent.
std::optional<json::value> Field(const Binding& b, const std::string& key) {
  for (const auto& [k, v] : b.extra_json) {
    if (EqualsIgnoreCase(k, key)) {
      boost::system::error_code ec;
      json::value parsed = json::parse(v, ec);
      if (!ec) return parsed;
    }
  }
  return std::nullopt;
}

std::optional<std::string> StringField(const AppConfig& app, const Binding& b,
                                       const BindingSite& site, const std::string& key,
                                       bool required, std::vector<ConfigIssue>* errors) {
  auto v = Field(b, key);
  if (!v) {
    if (required) {
      errors->push_back({site.file(), site.pointer(key),
                         fmt::format("missing required field \"{}\" for a \"{}\" binding", key,
                                     b.type)});
    }
    return std::nullopt;
  }
  if (!v->is_string()) {
    errors->push_back({site.file(), site.pointer(key),
                       fmt::format("expected a string, got {}", json::serialize(*v))});
    return std::nullopt;
  }
  std::string missing;
  auto resolved = ResolveSettingReferences(app, std::string(v->get_string()), &missing);
  if (!resolved) {
    errors->push_back({site.file(), site.pointer(key),
                       fmt::format("{} (app settings come from local.settings.json Values and "
                                   "the environment)",
                                   missing)});
  }
  return resolved;
}

std::optional<bool> BoolField(const Binding& b, const BindingSite& site, const std::string& key,
                              std::vector<ConfigIssue>* errors) {
  auto v = Field(b, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    errors->push_back({site.file(), site.pointer(key),
                       fmt::format("expected true or false, got {}", json::serialize(*v))});
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<QueueBindingSpec> ReadQueueBinding(const AppConfig& app, const Binding& b,
                                                 const BindingSite& site,
                                                 std::vector<ConfigIssue>* errors) {
  QueueBindingSpec spec;
  spec.function = site.fn;
  spec.binding_name = b.name;
  auto queue = StringField(app, b, site, "queueName", /*required=*/true, errors);
  auto connection = StringField(app, b, site, "connection", /*required=*/false, errors);
  if (!queue) return std::nullopt;
  // Azure lower-cases nothing: a queue name with capitals is an error there too.
  if (std::string problem = QueueNameProblem(*queue); !problem.empty()) {
    errors->push_back({site.file(), site.pointer("queueName"),
                       fmt::format("\"{}\" is not a valid queue name: {}", *queue, problem)});
    return std::nullopt;
  }
  spec.queue = *queue;
  spec.connection_name = connection && !connection->empty() ? *connection : kDefaultStorageSetting;
  return spec;
}

}  // namespace

std::optional<std::string> LookupAppSetting(const AppConfig& app, const std::string& name) {
  if (auto it = app.settings.values.find(name); it != app.settings.values.end()) {
    return it->second;
  }
  if (const char* env = std::getenv(name.c_str())) return std::string(env);
  return std::nullopt;
}

std::optional<std::string> ResolveSettingReferences(const AppConfig& app, const std::string& text,
                                                    std::string* missing) {
  if (text.find('%') == std::string::npos) return text;
  // The environment under the app's own settings, as Azure's host layers them.
  std::map<std::string, std::string> settings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) settings[std::string(kv.substr(0, eq))] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : app.settings.values) settings[k] = v;
  auto resolved = ResolveSettingReference(text, settings);
  if (!resolved.ok()) {
    *missing = resolved.status().message();
    return std::nullopt;
  }
  return *resolved;
}

TriggerSpecs ReadTriggerSpecs(const AppConfig& app, std::vector<ConfigIssue>* errors) {
  TriggerSpecs specs;
  for (const auto& fn : app.functions) {
    if (fn.disabled) continue;
    for (std::size_t i = 0; i < fn.bindings.size(); ++i) {
      const Binding& b = fn.bindings[i];
      BindingSite site{&fn, i};
      if (EqualsIgnoreCase(b.type, "queueTrigger")) {
        if (auto spec = ReadQueueBinding(app, b, site, errors)) {
          specs.queue_triggers.push_back(std::move(*spec));
        }
      } else if (EqualsIgnoreCase(b.type, "queue") && b.direction == "out") {
        if (auto spec = ReadQueueBinding(app, b, site, errors)) {
          specs.queue_outputs.push_back(std::move(*spec));
        }
      } else if (EqualsIgnoreCase(b.type, "timerTrigger")) {
        TimerSpec spec;
        spec.function = &fn;
        spec.binding_name = b.name;
        auto schedule = StringField(app, b, site, "schedule", /*required=*/true, errors);
        if (auto v = BoolField(b, site, "runOnStartup", errors)) spec.run_on_startup = *v;
        if (auto v = BoolField(b, site, "useMonitor", errors)) spec.use_monitor = *v;
        if (!schedule) continue;
        auto parsed = TimerSchedule::Parse(*schedule);
        if (!parsed.ok()) {
          errors->push_back({site.file(), site.pointer("schedule"),
                             fmt::format("\"{}\": {}", *schedule, parsed.status().message())});
          continue;
        }
        spec.schedule = *schedule;
        specs.timers.push_back(std::move(spec));
      }
    }
  }
  return specs;
}

}  // namespace squall
