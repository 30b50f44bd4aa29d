// host.json: the sections squall acts on (customHandler, extensions.http, functionTimeout,
// logging.logLevel) are validated field by field; Azure's other well-known sections are accepted
// without a word so Azure apps load unchanged; anything else gets an "unknown field" warning.
#include "config/host_json.h"

#include <fmt/format.h>

#include <boost/json/value.hpp>
#include <limits>
#include <optional>

#include "config/json_reader.h"

namespace squall {

namespace {

namespace json = boost::json;
using config_json::AsString;
using config_json::Describe;
using config_json::IssueSink;
using config_json::ObjectReader;
using config_json::PointerJoin;
using config_json::Quote;

constexpr const char* kDurationForm = "a duration \"hh:mm:ss\" (or \"d.hh:mm:ss\")";

// A duration field. Returns nullopt when absent or invalid (the error is already reported);
// otherwise the value, itself nullopt for "-1" when allow_unbounded.
std::optional<std::optional<Duration>> ReadDuration(ObjectReader& r, std::string_view key,
                                                    bool allow_unbounded) {
  const json::value* v = r.Find(key);
  if (v == nullptr) return std::nullopt;
  const std::string pointer = r.PointerOf(key);
  const std::string expected =
      allow_unbounded ? fmt::format("{} or \"-1\" for no limit", kDurationForm) : kDurationForm;
  const json::string* text = v->if_string();
  std::optional<Duration> parsed;
  if (text == nullptr || !ParseTimeSpan(std::string(*text), &parsed)) {
    r.sink().Error(pointer, fmt::format("expected {}, got {}", expected, Describe(*v)));
    return std::nullopt;
  }
  if (!parsed.has_value() && !allow_unbounded) {
    r.sink().Error(pointer, fmt::format("expected {}, got \"-1\" (this timeout cannot be "
                                        "unlimited)",
                                        expected));
    return std::nullopt;
  }
  if (parsed.has_value() && *parsed <= Duration::zero()) {
    r.sink().Error(pointer, fmt::format("expected a positive duration, got {}", Describe(*v)));
    return std::nullopt;
  }
  return parsed;
}

// maxConcurrentRequests / maxOutstandingRequests: Azure's -1 means "no limit".
void ReadLimit(ObjectReader& r, std::string_view key, int* out) {
  const json::value* v = r.Find(key);
  if (v == nullptr) return;
  const std::string pointer = r.PointerOf(key);
  std::optional<std::int64_t> n = config_json::AsInt(*v, pointer, r.sink());
  if (!n) return;
  if (*n == -1 || (*n >= 1 && *n <= std::numeric_limits<int>::max())) {
    *out = static_cast<int>(*n);
    return;
  }
  r.sink().Error(pointer, fmt::format("expected -1 (no limit) or an integer from 1 to {}, got {}",
                                      std::numeric_limits<int>::max(), Describe(*v)));
}

void ReadDescription(ObjectReader& d, CustomHandlerConfig& out) {
  if (d.Find("defaultExecutablePath") == nullptr) {
    d.Missing("defaultExecutablePath", "a string, the custom handler's executable");
  } else if (auto path = d.String("defaultExecutablePath")) {
    if (path->empty()) {
      d.sink().Error(d.PointerOf("defaultExecutablePath"),
                     "expected the custom handler's executable, got \"\"");
    }
    out.default_executable_path = *path;
  }
  if (const json::array* args = d.Array("arguments")) {
    const std::string pointer = d.PointerOf("arguments");
    for (std::size_t i = 0; i < args->size(); ++i) {
      if (auto arg = AsString((*args)[i], PointerJoin(pointer, i), d.sink())) {
        out.arguments.push_back(*arg);
      }
    }
  }
  if (auto dir = d.String("workingDirectory")) out.working_directory = *dir;
  // Azure reads these two for language workers; a custom handler app does not need them.
  for (std::string_view key : {"defaultWorkerPath", "workerArguments"}) {
    if (d.Find(key) != nullptr) {
      d.sink().Warning(d.PointerOf(key), fmt::format("{} is not supported by squall and is "
                                                     "ignored; put the command line in "
                                                     "defaultExecutablePath and arguments",
                                                     Quote(key)));
    }
  }
  d.WarnUnknown();
}

void ReadCustomHandler(ObjectReader& ch, CustomHandlerConfig& out) {
  if (ch.Find("description") == nullptr) {
    ch.Missing("description", "an object with \"defaultExecutablePath\"");
  } else if (auto description = ch.Object("description")) {
    ReadDescription(*description, out);
  }
  if (auto forward = ch.Bool("enableForwardingHttpRequest")) {
    out.enable_forwarding_http_request = *forward;
  }
  if (auto timeout = ReadDuration(ch, "initializationTimeout", /*allow_unbounded=*/false)) {
    out.initialization_timeout = **timeout;
  }
  ch.WarnUnknown();
}

void ReadHttp(ObjectReader& http, HttpExtensionConfig& out) {
  if (auto prefix = http.String("routePrefix")) {
    std::string_view p = *prefix;
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    out.route_prefix = std::string(p);
  }
  ReadLimit(http, "maxConcurrentRequests", &out.max_concurrent_requests);
  ReadLimit(http, "maxOutstandingRequests", &out.max_outstanding_requests);
  if (const json::value* v = http.Find("maxRequestBodySize")) {
    const std::string pointer = http.PointerOf("maxRequestBodySize");
    if (auto n = config_json::AsInt(*v, pointer, http.sink())) {
      if (*n >= 1) {
        out.max_request_body_bytes = static_cast<std::uint64_t>(*n);
      } else {
        http.sink().Error(pointer, "expected a positive number of bytes, got " + Describe(*v));
      }
    }
  }
  // Azure settings squall does not act on (yet); accepted so Azure apps load unchanged.
  http.Accept({"dynamicThrottlesEnabled", "hsts", "customHeaders"});
  http.WarnUnknown();
}

// An integer field within [lo, hi]; reports an error naming the range otherwise.
std::optional<int> ReadIntInRange(ObjectReader& r, std::string_view key, int lo, int hi) {
  const json::value* v = r.Find(key);
  if (v == nullptr) return std::nullopt;
  const std::string pointer = r.PointerOf(key);
  std::optional<std::int64_t> n = config_json::AsInt(*v, pointer, r.sink());
  if (!n) return std::nullopt;
  if (*n < lo || *n > hi) {
    r.sink().Error(pointer,
                   fmt::format("expected an integer from {} to {}, got {}", lo, hi, Describe(*v)));
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

void ReadQueues(ObjectReader& q, QueuesExtensionConfig& out) {
  if (auto n = ReadIntInRange(q, "batchSize", 1, 32)) out.batch_size = *n;
  if (auto n = ReadIntInRange(q, "newBatchThreshold", 0, 100000)) out.new_batch_threshold = *n;
  if (auto n = ReadIntInRange(q, "maxDequeueCount", 1, 1000000)) out.max_dequeue_count = *n;
  if (auto d = ReadDuration(q, "maxPollingInterval", /*allow_unbounded=*/false)) {
    if (**d < std::chrono::milliseconds(100)) {
      q.sink().Error(q.PointerOf("maxPollingInterval"),
                     "expected at least 00:00:00.1 (100 ms, Azure's minimum)");
    } else {
      out.max_polling_interval = **d;
    }
  }
  // visibilityTimeout may be zero (retry at once), which ReadDuration refuses; read it here.
  if (const json::value* v = q.Find("visibilityTimeout")) {
    const json::string* text = v->if_string();
    std::optional<Duration> parsed;
    if (text == nullptr || !ParseTimeSpan(std::string(*text), &parsed) || !parsed ||
        *parsed < Duration::zero() || *parsed > std::chrono::hours(24 * 7)) {
      q.sink().Error(q.PointerOf("visibilityTimeout"),
                     fmt::format("expected {} from 00:00:00 to 7.00:00:00, got {}", kDurationForm,
                                 Describe(*v)));
    } else {
      out.visibility_timeout = *parsed;
    }
  }
  if (const json::value* v = q.Find("messageEncoding")) {
    const json::string* s = v->if_string();
    std::string e = s ? config_json::ToLowerAscii(std::string_view(s->data(), s->size())) : "";
    if (e == "base64" || e == "none") {
      out.base64_encoding = e == "base64";
    } else {
      q.sink().Error(q.PointerOf("messageEncoding"),
                     "expected \"base64\" or \"none\", got " + Describe(*v));
    }
  }
  q.WarnUnknown();
}

void ReadExtensions(ObjectReader& ext, HttpExtensionConfig& http_out,
                    QueuesExtensionConfig& queues_out) {
  if (auto http = ext.Object("http")) ReadHttp(*http, http_out);
  if (auto queues = ext.Object("queues")) ReadQueues(*queues, queues_out);
  // Binding extensions' own settings, read by the triggers that implement them.
  ext.Accept({"blobs", "serviceBus", "eventHubs", "cosmosDB", "durableTask", "sendGrid",
              "kafka", "rabbitMQ", "eventGrid", "signalR", "tables", "sql", "twilio"});
  ext.WarnUnknown();
}

void ReadConcurrency(ObjectReader& c, ConcurrencyConfig& out) {
  if (auto b = c.Bool("dynamicConcurrencyEnabled")) out.dynamic_concurrency_enabled = *b;
  if (auto b = c.Bool("snapshotPersistenceEnabled")) out.snapshot_persistence_enabled = *b;
  if (const json::value* v = c.Find("maximumFunctionConcurrency")) {
    const std::string pointer = c.PointerOf("maximumFunctionConcurrency");
    if (auto n = config_json::AsInt(*v, pointer, c.sink())) {
      if (*n == -1 || (*n >= 1 && *n <= 100000)) {
        out.maximum_function_concurrency = static_cast<int>(*n);
      } else {
        c.sink().Error(pointer, "expected an integer from 1 to 100000, or -1 for no limit, got " +
                                    Describe(*v));
      }
    }
  }
  if (const json::value* v = c.Find("cpuThreshold")) {
    double d = 0;
    bool number = v->is_number();
    if (number) d = v->to_number<double>();
    if (number && d > 0 && d < 1) {
      out.cpu_threshold = d;
    } else {
      c.sink().Error(c.PointerOf("cpuThreshold"),
                     "expected a number between 0 and 1 (exclusive), got " + Describe(*v));
    }
  }
  c.WarnUnknown();
}

constexpr const char* kLogLevels =
    "a log level (\"Trace\", \"Debug\", \"Information\", \"Warning\", \"Error\", \"Critical\" or "
    "\"None\")";

void ReadLogging(ObjectReader& logging, LoggingConfig& out) {
  if (auto levels = logging.Object("logLevel")) {
    // Every key is a category name (or "default"), so none is unknown.
    for (const json::key_value_pair* member : levels->Unread()) {
      const std::string pointer = PointerJoin(levels->pointer(), member->key());
      const json::string* name = member->value().if_string();
      LogLevel level;
      if (name == nullptr || !ParseLogLevel(*name, &level)) {
        logging.sink().Error(
            pointer, fmt::format("expected {}, got {}", kLogLevels, Describe(member->value())));
        continue;
      }
      if (config_json::EqualsIgnoreCase(member->key(), "default")) {
        out.default_level = level;
      } else {
        out.category_levels[std::string(member->key())] = level;
      }
    }
  }
  logging.Accept({"applicationInsights", "fileLoggingMode", "console"});
  logging.WarnUnknown();
}

}  // namespace

HostConfig ParseHostJson(std::string_view text, const std::string& file,
                         std::vector<ConfigIssue>& errors, std::vector<ConfigIssue>& warnings) {
  HostConfig config;
  IssueSink sink(file, errors, warnings);
  std::optional<json::value> doc = config_json::ParseDocument(text, sink);
  if (!doc) return config;
  std::optional<ObjectReader> root = config_json::RootObject(*doc, sink);
  if (!root) return config;

  if (const json::value* version = root->Find("version")) {
    const json::string* s = version->if_string();
    if (s != nullptr && *s == "2.0") {
      config.version = "2.0";
    } else {
      sink.Error(
          root->PointerOf("version"),
          "expected \"2.0\" (the Azure Functions v2+ host.json schema), got " + Describe(*version));
    }
  } else {
    root->Missing("version", "\"2.0\"");
  }

  if (root->Find("customHandler") == nullptr) {
    root->Missing("customHandler",
                  "an object with \"description\": {\"defaultExecutablePath\": ...} (squall runs "
                  "every app through a custom handler)");
  } else if (auto ch = root->Object("customHandler")) {
    ReadCustomHandler(*ch, config.custom_handler);
  }

  if (auto ext = root->Object("extensions")) ReadExtensions(*ext, config.http, config.queues);

  if (auto timeout = ReadDuration(*root, "functionTimeout", /*allow_unbounded=*/true)) {
    config.function_timeout = *timeout;
  }

  if (auto logging = root->Object("logging")) ReadLogging(*logging, config.logging);
  if (auto c = root->Object("concurrency")) ReadConcurrency(*c, config.concurrency);

  if (root->Find("functions") != nullptr) {
    sink.Warning(root->PointerOf("functions"),
                 "\"functions\" is not supported by squall and is ignored: every function folder "
                 "is loaded; set \"disabled\": true in a function.json to turn one off");
  }
  // Azure's other sections: accepted, not (yet) acted on.
  root->Accept({"extensionBundle", "healthMonitor", "managedDependency",
                "aggregator", "watchDirectories", "watchFiles", "singleton", "retry",
                "telemetryMode", "$schema"});
  root->WarnUnknown();
  return config;
}

}  // namespace squall
