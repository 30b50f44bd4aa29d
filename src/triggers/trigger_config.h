// The typed view of an app's queue and timer bindings: function.json keeps them as raw JSON
// (Binding::extra_json); here they are read, `%Setting%` references resolved from the app
// settings (local.settings.json Values, then the environment, as Azure's host resolves them),
// and checked, with errors naming the file and the JSON pointer. Pure: no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.h"

namespace squall {

inline constexpr const char* kDefaultStorageSetting = "AzureWebJobsStorage";

struct QueueBindingSpec {
  const FunctionConfig* function = nullptr;
  std::string binding_name;     // function.json "name" ("$return" allowed for outputs)
  std::string queue;            // resolved queueName
  std::string connection_name;  // the app setting naming the storage (default AzureWebJobsStorage)
};

struct TimerSpec {
  const FunctionConfig* function = nullptr;
  std::string binding_name;
  std::string schedule;  // resolved; checked by the timer module's parser
  bool run_on_startup = false;
  bool use_monitor = true;
};

struct TriggerSpecs {
  std::vector<QueueBindingSpec> queue_triggers;
  std::vector<QueueBindingSpec> queue_outputs;
  std::vector<TimerSpec> timers;
};

// App settings as Azure's host sees them: local.settings.json Values over the environment.
std::optional<std::string> LookupAppSetting(const AppConfig& app, const std::string& name);

// `%Name%` (the whole value or parts of it, as Azure's binding expressions) replaced by app
// settings. nullopt + *missing = what is wrong (the unknown name, an unclosed '%').
std::optional<std::string> ResolveSettingReferences(const AppConfig& app, const std::string& text,
                                                    std::string* missing);

// Reads every enabled function's queue and timer bindings. Errors are appended (file + pointer).
TriggerSpecs ReadTriggerSpecs(const AppConfig& app, std::vector<ConfigIssue>* errors);

}  // namespace squall
