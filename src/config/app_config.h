// The app model, in Azure Functions' own file formats: host.json, <Function>/function.json,
// local.settings.json. Loading validates everything and reports every error with its file and
// JSON pointer; unknown fields are warnings (Azure tolerates them).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"

namespace squall {

// One problem found while loading, e.g. {".../host.json", "/functionTimeout",
// "expected a duration \"hh:mm:ss\" or \"-1\", got \"abc\""}.
struct ConfigIssue {
  std::string file;     // path as given to the loader, joined with the file name
  std::string pointer;  // RFC 6901 JSON pointer, "" for the whole document
  std::string message;  // what was expected / what is wrong
  std::string ToString() const;  // "file: pointer: message" (pointer omitted when empty)
};

struct CustomHandlerConfig {
  std::string default_executable_path;  // required
  std::vector<std::string> arguments;
  std::string working_directory;  // empty = app folder
  bool enable_forwarding_http_request = false;
  Duration initialization_timeout = std::chrono::seconds(30);
};

struct HttpExtensionConfig {
  std::string route_prefix = "api";  // "" allowed (no prefix); leading/trailing '/' stripped
  int max_concurrent_requests = -1;   // -1 = unbounded
  int max_outstanding_requests = -1;  // -1 = unbounded
  std::uint64_t max_request_body_bytes = 104857600;  // 100 MB, as in Azure
};

// host.json extensions.queues (Azure's names and defaults).
struct QueuesExtensionConfig {
  int batch_size = 16;                                  // 1..32
  std::optional<int> new_batch_threshold;               // unset: batchSize/2 x cores
  Duration max_polling_interval = std::chrono::minutes(1);  // >= 100 ms
  Duration visibility_timeout = Duration::zero();       // retry delay after a failure
  int max_dequeue_count = 5;                            // then <queue>-poison
  bool base64_encoding = true;                          // messageEncoding "base64" | "none"

  // newBatchThreshold as Azure computes it when unset: batchSize / 2 per core.
  int NewBatchThreshold(int cores) const;
};

// host.json "concurrency" (Azure's names and defaults). The policy's own constants are in
// concurrency/concurrency_policy.h; these are what a user may set.
struct ConcurrencyConfig {
  bool dynamic_concurrency_enabled = false;
  bool snapshot_persistence_enabled = true;
  int maximum_function_concurrency = 500;  // -1 = unbounded
  double cpu_threshold = 0.80;             // (0, 1)
};

struct LoggingConfig {
  LogLevel default_level = LogLevel::kInformation;             // logging.logLevel.default
  std::map<std::string, LogLevel> category_levels;             // other logging.logLevel keys
};

struct HostConfig {
  std::string version;  // must be "2.0"
  CustomHandlerConfig custom_handler;
  HttpExtensionConfig http;
  QueuesExtensionConfig queues;
  ConcurrencyConfig concurrency;
  std::optional<Duration> function_timeout = std::chrono::minutes(5);  // nullopt = unbounded
  LoggingConfig logging;
};

enum class AuthLevel { kAnonymous, kFunction, kAdmin };
const char* AuthLevelName(AuthLevel level);  // "anonymous" | "function" | "admin"

struct Binding {
  std::string type;       // as written, e.g. "httpTrigger", "http", "queueTrigger", "timerTrigger"
  std::string direction;  // "in" | "out" | "inout"
  std::string name;       // binding name, "$return" allowed for outputs
  // httpTrigger only
  AuthLevel auth_level = AuthLevel::kFunction;
  std::vector<std::string> methods;  // upper-case; empty = all methods
  std::optional<std::string> route;  // nullopt = function name
  // Everything else in the binding object (queueName, schedule, connection...), raw JSON text
  // by key, for the triggers of later issues.
  std::map<std::string, std::string> extra_json;
};

// kWarmup: "warmupTrigger", run on an instance a scale-out adds, before it takes work.
enum class TriggerKind { kHttp, kQueue, kTimer, kBlob, kWarmup, kOther };

struct FunctionConfig {
  std::string name;               // the sub-folder's name
  std::filesystem::path dir;
  std::vector<Binding> bindings;  // in file order
  bool disabled = false;          // function.json "disabled": true

  const Binding* Trigger() const;  // the one binding whose type ends in "Trigger"
  TriggerKind trigger_kind() const;
  // HTTP trigger + http output only (or $return http): may use forwarding mode.
  bool IsHttpOnly() const;
};

struct LocalSettings {
  std::map<std::string, std::string> values;  // "Values": become the worker's environment
  std::optional<int> local_http_port;         // "Host": {"LocalHttpPort": n}
};

struct AppConfig {
  std::filesystem::path root;  // absolute
  HostConfig host;
  std::vector<FunctionConfig> functions;  // sorted by name
  LocalSettings settings;
};

struct LoadResult {
  std::optional<AppConfig> app;      // set when there were no errors
  std::vector<ConfigIssue> errors;   // non-empty = the app must not start
  std::vector<ConfigIssue> warnings; // unknown fields, ignored values...
};

// Loads and validates the app folder. Never throws.
LoadResult LoadApp(const std::filesystem::path& app_dir);

// "hh:mm:ss" (also "d.hh:mm:ss" and fractional seconds "hh:mm:ss.fff"); "-1" = unbounded
// (returns nullopt in *out). Returns false when the text is not a duration.
bool ParseTimeSpan(const std::string& text, std::optional<Duration>* out);

}  // namespace squall
