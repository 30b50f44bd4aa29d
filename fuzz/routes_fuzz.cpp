// Fuzz target "routes": the first line of the input is a route template, the rest a request path.
// Besides "no crash, no sanitizer report", it checks what callers rely on: errors name the
// template and a position inside it, a parsed template reparses to the same precedence, matching
// is deterministic, matched values are never empty, and the router agrees with Match.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/route_template.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "routes fuzz: invariant failed: %s\n", what);
  std::abort();
}

bool ContainsRegex(std::string_view s) {
  for (std::size_t i = 0; i + 5 <= s.size(); ++i) {
    std::string_view w = s.substr(i, 5);
    bool eq = true;
    for (std::size_t k = 0; k < 5; ++k) eq = eq && (w[k] | 0x20) == "regex"[k];
    if (eq) return true;
  }
  return false;
}

void CheckError(const squall::Status& status, std::string_view tmpl) {
  Check(status.code() == squall::StatusCode::kInvalidArgument, "parse errors are InvalidArgument");
  const std::string& m = status.message();
  Check(m.rfind("route '", 0) == 0, "error starts with the template");
  const std::size_t at = m.rfind(" at position ");
  Check(at != std::string::npos, "error has a position");
  const std::size_t pos = std::strtoull(m.c_str() + at + 13, nullptr, 10);
  Check(pos <= tmpl.size(), "position is inside the template");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  std::string_view tmpl = input.substr(0, nl);
  std::string_view path = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  // Patterns are the app's own config; long paths against them only measure std::regex.
  if (ContainsRegex(tmpl) && path.size() > 64) path = path.substr(0, 64);

  const std::vector<std::string> segments = squall::SplitPath(path);
  for (const std::string& s : segments) Check(!s.empty(), "SplitPath drops empty segments");

  auto parsed = squall::RouteTemplate::Parse(tmpl);
  if (!parsed.ok()) {
    CheckError(parsed.status(), tmpl);
    return 0;
  }
  const squall::RouteTemplate& route = *parsed;
  Check(route.text() == tmpl, "text() is the template as given");

  auto again = squall::RouteTemplate::Parse(route.text());
  Check(again.ok() && again->precedence() == route.precedence(), "reparse is stable");

  squall::RouteParams first;
  squall::RouteParams second;
  const bool matched = route.Match(segments, &first);
  Check(route.Match(segments, &second) == matched && first == second, "Match is deterministic");
  if (matched) {
    for (const auto& [name, value] : first) {
      Check(!name.empty() && !value.empty(), "params have names and values");
    }
  }

  squall::Router router;
  router.Add(1, std::move(parsed).value());
  router.Add(2, std::move(again).value());
  const auto matches = router.MatchAll(segments);
  Check(matches.size() == (matched ? 2u : 0u), "router agrees with Match");
  if (matched) {
    Check(matches[0].route_id == 1 && matches[1].route_id == 2, "ties keep registration order");
    Check(matches[0].params == first, "router params equal Match params");
  }
  return 0;
}
