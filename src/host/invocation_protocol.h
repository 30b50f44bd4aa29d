// Azure Functions' custom-handler invocation protocol: the JSON request the host POSTs to
// /{FunctionName} and the JSON response it expects back. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/app_config.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/http_message.h"
#include "http/route_template.h"

namespace squall {

inline constexpr std::string_view kHostVersionHeader = "X-Azure-Functions-HostVersion";
inline constexpr std::string_view kInvocationIdHeader = "X-Azure-Functions-InvocationId";

struct HttpTriggerData {
  std::string url;     // absolute, e.g. "http://localhost:7071/api/hello?name=x"
  std::string method;  // upper-case
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in request order
  std::vector<HttpHeader> headers;
  RouteParams params;
  std::string_view body;  // a view: the request keeps it (and may be sent again)
};

// {"Data": {<trigger>: {"Url","Method","Query","Headers","Params","Identities","Body"}},
//  "Metadata": {<params>..., "Query", "Headers", "sys": {"MethodName","UtcNow","RandGuid"}}}
std::string BuildHttpInvocationRequest(const FunctionConfig& function,
                                       const HttpTriggerData& data, WallTime now,
                                       std::string_view rand_guid);

// The query string "a=1&b=x%20y" decoded into pairs ('+' is a space, as browsers send).
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);

struct InvocationOutcome {
  std::optional<HttpResponse> http;  // the function's http output, when it has one
  std::vector<std::string> logs;     // "Logs" lines
};

// Parses the worker's JSON response. Errors (kInternal) say what is malformed and where, so
// the caller can answer 500 naming the function. A function with an http output that set no
// value answers 204 No Content.
StatusOr<InvocationOutcome> ParseInvocationResponse(const FunctionConfig& function,
                                                    std::string_view body);

// The "{...}" http output value -> response. Accepts statusCode as number or string, body as
// string or any JSON (serialized, Content-Type application/json), headers as an object.
StatusOr<HttpResponse> HttpOutputToResponse(std::string_view json_value);

}  // namespace squall
