// Fuzz target "config": each input is run through the loader's own parsers as host.json,
// function.json and local.settings.json text (and through ParseTimeSpan when short). Besides
// "no crash, no exception, no sanitizer report", it checks what the rest of squall relies on:
// every issue names the file and a well-formed pointer, and a file that loads without errors
// satisfies the documented invariants.
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"
#include "config/function_json.h"
#include "config/host_json.h"
#include "config/local_settings.h"

namespace {

using squall::ConfigIssue;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "config fuzz: invariant failed: %s\n", what);
  std::abort();
}

void CheckIssues(const std::vector<ConfigIssue>& issues, const std::string& file) {
  for (const ConfigIssue& issue : issues) {
    Check(issue.file == file, "issue names its file");
    Check(issue.pointer.empty() || issue.pointer.front() == '/', "pointer is empty or '/...'");
    Check(!issue.message.empty(), "issue has a message");
  }
}

bool IsUpper(const std::string& s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return true;
}

void FuzzHost(std::string_view text) {
  const std::string file = "app/host.json";
  std::vector<ConfigIssue> errors, warnings;
  squall::HostConfig host = squall::ParseHostJson(text, file, errors, warnings);
  CheckIssues(errors, file);
  CheckIssues(warnings, file);
  if (!errors.empty()) return;
  Check(host.version == "2.0", "version is 2.0");
  Check(!host.custom_handler.default_executable_path.empty(), "executable path set");
  Check(host.custom_handler.initialization_timeout > squall::Duration::zero(), "init timeout > 0");
  const std::string& prefix = host.http.route_prefix;
  Check(prefix.empty() || (prefix.front() != '/' && prefix.back() != '/'), "prefix trimmed");
  Check(host.http.max_concurrent_requests == -1 || host.http.max_concurrent_requests >= 1,
        "maxConcurrentRequests -1 or >= 1");
  Check(host.http.max_outstanding_requests == -1 || host.http.max_outstanding_requests >= 1,
        "maxOutstandingRequests -1 or >= 1");
  Check(host.http.max_request_body_bytes >= 1, "body limit >= 1");
  Check(!host.function_timeout || *host.function_timeout > squall::Duration::zero(),
        "functionTimeout > 0");
}

void FuzzFunction(std::string_view text) {
  const std::string file = "app/fn/function.json";
  std::vector<ConfigIssue> errors, warnings;
  squall::FunctionConfig fn = squall::ParseFunctionJson(text, file, errors, warnings);
  CheckIssues(errors, file);
  CheckIssues(warnings, file);
  // Must not crash whatever was parsed.
  (void)fn.trigger_kind();
  (void)fn.IsHttpOnly();
  if (!errors.empty()) return;
  Check(!fn.bindings.empty(), "at least one binding");
  Check(fn.Trigger() != nullptr, "a trigger");
  int triggers = 0;
  for (const squall::Binding& b : fn.bindings) {
    Check(!b.type.empty() && !b.name.empty(), "type and name set");
    Check(b.direction == "in" || b.direction == "out" || b.direction == "inout", "direction");
    Check(b.name != "$return" || b.direction == "out", "$return is out");
    for (const std::string& m : b.methods) Check(!m.empty() && IsUpper(m), "methods upper-case");
    for (const auto& [key, raw] : b.extra_json) {
      boost::system::error_code ec;
      (void)boost::json::parse(raw, ec);
      Check(!ec, "extra_json holds valid JSON");
    }
    triggers += (&b == fn.Trigger()) ? 1 : 0;
  }
  Check(triggers == 1, "Trigger() is one of the bindings");
}

void FuzzLocalSettings(std::string_view text) {
  const std::string file = "app/local.settings.json";
  std::vector<ConfigIssue> errors, warnings;
  squall::LocalSettings settings = squall::ParseLocalSettings(text, file, errors, warnings);
  CheckIssues(errors, file);
  CheckIssues(warnings, file);
  if (!errors.empty()) return;
  Check(!settings.local_http_port ||
            (*settings.local_http_port >= 1 && *settings.local_http_port <= 65535),
        "port in range");
  for (const auto& [key, value] : settings.values) {
    Check(!key.empty() && key.find('=') == std::string::npos, "env name");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzHost(text);
  FuzzFunction(text);
  FuzzLocalSettings(text);
  if (size <= 64) {
    std::optional<squall::Duration> d;
    if (squall::ParseTimeSpan(std::string(text), &d) && d) {
      // Parsed values stay inside int64 nanoseconds (about 106751 days), with no overflow.
      const squall::Duration limit = std::chrono::hours(24 * 106751);
      Check(*d > -limit && *d < limit, "duration in range");
    }
  }
  return 0;
}
