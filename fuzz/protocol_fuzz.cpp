// Fuzz target "protocol": the input is a worker's invocation response body. The host parses it
// for a function with an http output named "res" and for one whose output is "$return"; besides
// "no crash, no sanitizer report", a parsed http output has a valid status and, when it is one
// of the bodiless ones squall writes, the wire head it produces has no CR/LF injection.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "host/invocation_protocol.h"
#include "http/wire_format.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "protocol fuzz: invariant failed: %s\n", what);
  std::abort();
}

squall::FunctionConfig MakeFunction(const char* output_name) {
  squall::FunctionConfig fn;
  fn.name = "f";
  squall::Binding trigger;
  trigger.type = "httpTrigger";
  trigger.direction = "in";
  trigger.name = "req";
  squall::Binding out;
  out.type = "http";
  out.direction = "out";
  out.name = output_name;
  fn.bindings = {trigger, out};
  return fn;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const squall::FunctionConfig kRes = MakeFunction("res");
  static const squall::FunctionConfig kReturn = MakeFunction("$return");
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const auto* fn : {&kRes, &kReturn}) {
    auto outcome = squall::ParseInvocationResponse(*fn, body);
    if (!outcome.ok()) continue;
    Check(outcome->http.has_value(), "a function with an http output always gets a response");
    const auto& r = *outcome->http;
    Check(r.status >= 100 && r.status <= 999, "status in range");
    std::string head = squall::SerializeResponseHead(r, 11, true);
    std::size_t end = head.find("\r\n\r\n");
    Check(end != std::string::npos && end + 4 == head.size(), "exactly one blank line, at the end");
    for (std::size_t i = 0; i < end; ++i) {
      if (head[i] == '\n') Check(i > 0 && head[i - 1] == '\r', "no bare LF in the head");
      if (head[i] == '\r') Check(i + 1 < head.size() && head[i + 1] == '\n', "no bare CR");
    }
  }
  return 0;
}
