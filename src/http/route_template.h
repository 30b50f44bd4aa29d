// Azure Functions (ASP.NET Core) route templates: "products/{category:alpha}/{id:int?}",
// "files/{*rest}", "{name?}". Literal segments match case-insensitively.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace squall {

using RouteParams = std::map<std::string, std::string>;  // name -> decoded value

class RouteTemplate {
 public:
  // Parses a template (without the route prefix). Errors say what is wrong and at which
  // character, e.g. "unknown constraint 'integer' at position 8".
  static StatusOr<RouteTemplate> Parse(std::string_view text);

  // Matches a percent-decoded list of path segments (without the route prefix); on success
  // fills params with every parameter present (optional ones that are absent are left out).
  bool Match(const std::vector<std::string>& segments, RouteParams* params) const;

  const std::string& text() const { return text_; }
  // Higher = more specific; used to order routes (literal > constrained > plain > optional >
  // catch-all, compared segment by segment).
  const std::vector<int>& precedence() const { return precedence_; }

  struct Segment;  // defined in route_template.cpp
  RouteTemplate();
  ~RouteTemplate();
  RouteTemplate(RouteTemplate&&) noexcept;
  RouteTemplate& operator=(RouteTemplate&&) noexcept;

 private:
  std::string text_;
  std::vector<std::unique_ptr<Segment>> segments_;
  std::vector<int> precedence_;
};

// Splits a request path ("/api/a%20b/c") into percent-decoded segments {"api","a b","c"};
// empty segments from repeated or trailing slashes are dropped.
std::vector<std::string> SplitPath(std::string_view encoded_path);

// Whether split segments are exactly `want`, ASCII case-insensitively ("/Admin/Host/Status").
bool PathEquals(const std::vector<std::string>& segments,
                std::initializer_list<std::string_view> want);

// Routes many templates: first by precedence, then by registration order.
class Router {
 public:
  struct Match {
    int route_id;  // as given to Add
    RouteParams params;
  };
  void Add(int route_id, RouteTemplate route);
  // All routes whose template matches, most specific first (the caller filters on method).
  std::vector<Match> MatchAll(const std::vector<std::string>& segments) const;

 private:
  struct Entry {
    int id;
    RouteTemplate route;
  };
  std::vector<Entry> entries_;  // kept sorted by precedence, stable
};

}  // namespace squall
