// Inline route constraints as ASP.NET Core names them ("{id:int}", "{s:length(2,8)}"). Private to
// src/http: route_template.cpp parses them once per template and checks them on every match.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace squall {

class RouteConstraint {
 public:
  enum class Kind {
    kInt,
    kLong,
    kBool,
    kDateTime,
    kDecimal,
    kDouble,
    kFloat,
    kGuid,
    kAlpha,
    kMinLength,
    kMaxLength,
    kLength,
    kMin,
    kMax,
    kRange,
    kRegex,
    kRequired,
  };

  // `args` is the text between the parentheses, nullopt when there were none. The error message
  // has no position; the caller knows where the constraint was written.
  static StatusOr<RouteConstraint> Make(std::string_view name,
                                        std::optional<std::string_view> args);
  static bool IsKnown(std::string_view name);

  // `value` is one decoded path segment (or, for a catch-all, the rest of the path).
  bool Matches(std::string_view value) const;
  // As written, for messages: "int", "length(2,8)".
  const std::string& text() const { return text_; }

 private:
  RouteConstraint(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}

  Kind kind_;
  std::string text_;
  std::int64_t lo_ = 0;
  std::int64_t hi_ = 0;
  std::shared_ptr<const std::regex> regex_;  // shared: templates are copied into routers
};

// The parsers behind the constraints, exposed for tests and for other matchers.
bool ParseRouteInt64(std::string_view text, std::int64_t* out);
bool IsRouteDateTime(std::string_view text);
bool IsRouteGuid(std::string_view text);

}  // namespace squall
