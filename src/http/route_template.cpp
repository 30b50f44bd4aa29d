#include "http/http_message.h"
#include "http/route_template.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <utility>

#include "http/route_constraints.h"

namespace squall {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Invalid escapes ("%zz", a trailing "%4") are kept as written: there is nothing better to route.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Per-segment precedence; higher is more specific (see RouteTemplate::precedence()).
constexpr int kPrecLiteral = 6;
constexpr int kPrecConstrained = 5;  // also segments mixing literals and parameters
constexpr int kPrecPlain = 4;
constexpr int kPrecOptionalConstrained = 3;
constexpr int kPrecOptional = 2;
constexpr int kPrecCatchAllConstrained = 1;
constexpr int kPrecCatchAll = 0;

}  // namespace

struct RouteTemplate::Segment {
  struct Param {
    std::string name;
    std::vector<RouteConstraint> constraints;
    std::optional<std::string> default_value;
    bool optional = false;
    bool catch_all = false;
    std::size_t pos = 0;  // of its '{' in the template text

    bool Accepts(std::string_view value) const {
      for (const RouteConstraint& c : constraints) {
        if (!c.Matches(value)) return false;
      }
      return true;
    }
  };
  struct Part {
    bool is_param = false;
    std::string literal;  // braces unescaped
    Param param;
  };

  std::vector<Part> parts;
  std::size_t pos = 0;  // first character in the template text

  bool IsLiteral() const { return parts.size() == 1 && !parts[0].is_param; }
  const Param* SoleParam() const {
    return parts.size() == 1 && parts[0].is_param ? &parts[0].param : nullptr;
  }
  // May be absent from the path: optional, defaulted or catch-all.
  bool Skippable() const {
    const Param* p = SoleParam();
    return p != nullptr && (p->optional || p->default_value || p->catch_all);
  }
  int Precedence() const {
    if (IsLiteral()) return kPrecLiteral;
    const Param* p = SoleParam();
    if (p == nullptr) return kPrecConstrained;
    bool constrained = !p->constraints.empty();
    if (p->catch_all) return constrained ? kPrecCatchAllConstrained : kPrecCatchAll;
    if (p->optional || p->default_value)
      return constrained ? kPrecOptionalConstrained : kPrecOptional;
    return constrained ? kPrecConstrained : kPrecPlain;
  }
};

namespace {

using Segment = RouteTemplate::Segment;
using Param = RouteTemplate::Segment::Param;
using Part = RouteTemplate::Segment::Part;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status Parse(std::vector<std::unique_ptr<Segment>>* out) {
    std::size_t i = 0;
    if (text_.starts_with("~/")) {
      i = 2;
    } else if (text_.starts_with('~')) {
      return Error(0, "'~' may only start a template as '~/'");
    } else if (text_.starts_with('/')) {
      i = 1;
    }
    while (i < text_.size()) {
      auto seg = std::make_unique<Segment>();
      seg->pos = i;
      if (Status s = ParseSegment(&i, seg.get()); !s.ok()) return s;
      if (seg->parts.empty()) return Error(i, "empty segment ('/' twice in a row)");
      if (Status s = CheckSegment(*seg); !s.ok()) return s;
      out->push_back(std::move(seg));
      if (i < text_.size()) ++i;  // the '/'; one trailing '/' is allowed, as in ASP.NET
    }
    return CheckTemplate(*out);
  }

 private:
  Status Error(std::size_t pos, const std::string& message) const {
    return InvalidArgument("route '" + std::string(text_) + "': " + message + " at position " +
                           std::to_string(pos));
  }

  bool At(std::size_t i, char c) const { return i < text_.size() && text_[i] == c; }

  // Reads up to the next top-level '/' (or the end); *i is left on it.
  Status ParseSegment(std::size_t* i, Segment* seg) {
    std::string literal;
    auto flush = [&] {
      if (literal.empty()) return;
      Part p;
      p.literal = std::move(literal);
      seg->parts.push_back(std::move(p));
      literal.clear();
    };
    while (*i < text_.size() && text_[*i] != '/') {
      char c = text_[*i];
      if ((c == '{' || c == '}') && At(*i + 1, c)) {  // "{{" and "}}" are literal braces
        literal += c;
        *i += 2;
        continue;
      }
      if (c == '{') {
        flush();
        if (!seg->parts.empty() && seg->parts.back().is_param) {
          return Error(*i, "two parameters in one segment must be separated by literal text");
        }
        Part p;
        p.is_param = true;
        if (Status s = ParseParam(i, &p.param); !s.ok()) return s;
        seg->parts.push_back(std::move(p));
        continue;
      }
      if (c == '}') return Error(*i, "unmatched '}' (write '}}' for a literal brace)");
      if (c == '?') return Error(*i, "'?' may only end a parameter, as in '{id?}'");
      literal += c;
      ++*i;
    }
    flush();
    return Status::Ok();
  }

  // *i is on the '{'; leaves it after the matching '}'.
  Status ParseParam(std::size_t* i, Param* param) {
    const std::size_t brace = *i;
    std::string content;
    std::vector<std::size_t> offsets;  // content index -> template position, for messages
    std::size_t j = brace + 1;
    while (true) {
      if (j >= text_.size()) return Error(brace, "parameter has no closing '}'");
      char c = text_[j];
      if ((c == '{' || c == '}') && At(j + 1, c)) {
        content += c;
        offsets.push_back(j);
        j += 2;
        continue;
      }
      if (c == '}') break;
      if (c == '{') return Error(j, "'{' inside a parameter (write '{{' for a literal brace)");
      content += c;
      offsets.push_back(j);
      ++j;
    }
    *i = j + 1;
    return ParseParamBody(content, offsets, brace, j, param);
  }

  // "[*|**]name[:constraint[(args)]]...[=default|?]"
  Status ParseParamBody(std::string_view content, const std::vector<std::size_t>& offsets,
                        std::size_t brace, std::size_t close, Param* param) {
    auto at = [&](std::size_t k) { return k < offsets.size() ? offsets[k] : close; };
    param->pos = brace;
    std::size_t k = 0;
    std::size_t m = content.size();
    if (content.starts_with("**")) {
      param->catch_all = true;
      k = 2;
    } else if (content.starts_with('*')) {
      param->catch_all = true;
      k = 1;
    }
    std::size_t question = 0;
    if (m > k && content[m - 1] == '?') {
      param->optional = true;
      question = at(m - 1);
      --m;
    }

    const std::size_t name_start = k;
    while (k < m && content[k] != ':' && content[k] != '=') ++k;
    param->name = std::string(content.substr(name_start, k - name_start));
    if (param->name.empty()) return Error(at(name_start), "parameter name is empty");
    for (std::size_t n = 0; n < param->name.size(); ++n) {
      char c = param->name[n];
      if (std::string_view("{}/?*").find(c) != std::string_view::npos ||
          static_cast<unsigned char>(c) <= 0x20) {
        return Error(at(name_start + n), "invalid character '" + std::string(1, c) +
                                             "' in parameter name '" + param->name + "'");
      }
    }

    while (k < m && content[k] == ':') {
      const std::size_t colon = at(k);
      const std::size_t cname_start = ++k;
      while (k < m && content[k] != ':' && content[k] != '=' && content[k] != '(') ++k;
      std::string cname(content.substr(cname_start, k - cname_start));
      if (cname.empty()) return Error(colon, "empty constraint name after ':'");
      if (!RouteConstraint::IsKnown(cname)) {
        return Error(colon, "unknown constraint '" + cname + "'");
      }
      std::optional<std::string_view> args;
      std::size_t where = colon;
      if (k < m && content[k] == '(') {
        where = at(k);
        // A ')' closes the arguments only where the next constraint, the default or the
        // parameter's end follows, so a regex may contain ')' itself (ASP.NET's rule).
        std::size_t e = k + 1;
        while (e < m && !(content[e] == ')' &&
                          (e + 1 == m || content[e + 1] == ':' || content[e + 1] == '='))) {
          ++e;
        }
        if (e >= m) return Error(where, "constraint '" + cname + "' has no closing ')'");
        args = content.substr(k + 1, e - k - 1);
        k = e + 1;
      }
      auto c = RouteConstraint::Make(cname, args);
      if (!c.ok()) return Error(where, c.status().message());
      param->constraints.push_back(std::move(*c));
    }

    if (k < m) {  // content[k] == '=': the loops above stop only at ':' (consumed) or '='
      const std::size_t eq = at(k);
      std::string value(content.substr(k + 1, m - k - 1));
      if (param->optional) {
        return Error(question, "parameter '" + param->name +
                                   "' cannot both be optional and have a default value");
      }
      if (value.empty())
        return Error(eq, "empty default value for parameter '" + param->name + "'");
      for (const RouteConstraint& c : param->constraints) {
        if (!c.Matches(value)) {
          return Error(eq, "default value '" + value + "' of parameter '" + param->name +
                               "' does not satisfy constraint '" + c.text() + "'");
        }
      }
      param->default_value = std::move(value);
    }
    if (param->catch_all && param->optional) {
      return Error(question, "catch-all parameter '" + param->name +
                                 "' cannot be optional (it may already match nothing)");
    }
    return Status::Ok();
  }

  // Rules for segments mixing literal text and parameters ("{name}.{ext?}").
  Status CheckSegment(const Segment& seg) const {
    if (seg.parts.size() < 2) return Status::Ok();
    for (std::size_t n = 0; n < seg.parts.size(); ++n) {
      if (!seg.parts[n].is_param) continue;
      const Param& p = seg.parts[n].param;
      if (p.catch_all) {
        return Error(p.pos, "catch-all parameter '" + p.name + "' must be a whole segment");
      }
      if (p.default_value) {
        return Error(p.pos, "parameter '" + p.name +
                                "' shares its segment with literal text and cannot have a "
                                "default value");
      }
      if (p.optional && (n + 1 != seg.parts.size() || seg.parts[n - 1].literal != ".")) {
        return Error(p.pos, "optional parameter '" + p.name +
                                "' in a segment with literal text must come last, right after "
                                "a '.', as in '{name}.{ext?}'");
      }
    }
    return Status::Ok();
  }

  Status CheckTemplate(const std::vector<std::unique_ptr<Segment>>& segments) const {
    std::set<std::string> names;
    const Param* first_optional = nullptr;
    for (std::size_t s = 0; s < segments.size(); ++s) {
      const Segment& seg = *segments[s];
      for (const Part& part : seg.parts) {
        if (!part.is_param) continue;
        const Param& p = part.param;
        if (!names.insert(LowerCopy(p.name)).second) {
          return Error(p.pos, "parameter name '" + p.name +
                                  "' is used more than once (names are case-insensitive)");
        }
        if (p.catch_all && s + 1 != segments.size()) {
          return Error(p.pos, "catch-all parameter '" + p.name + "' must be the last segment");
        }
      }
      if (seg.Skippable()) {
        if (first_optional == nullptr) first_optional = seg.SoleParam();
      } else if (first_optional != nullptr) {
        return Error(seg.pos, "only optional parameters may follow optional parameter '" +
                                  first_optional->name + "'");
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
};

// Splits one path segment across a segment's parts. Parameters take as much text as they can,
// leftmost first (what ASP.NET's right-to-left matching amounts to). A table of which suffixes
// the remaining parts can match, filled right to left, keeps this O(parts * length) for any
// input instead of backtracking.
class ComplexMatcher {
 public:
  ComplexMatcher(const std::vector<Part>& parts, std::size_t count, std::string_view value)
      : parts_(parts), count_(count), value_(value) {}

  bool Run() {
    const std::size_t n = value_.size();
    can_.assign((count_ + 1) * (n + 1), false);
    can_[Key(count_, n)] = true;
    for (std::size_t i = count_; i-- > 0;) {
      const Part& part = parts_[i];
      if (!part.is_param) {
        const std::size_t len = part.literal.size();
        for (std::size_t pos = 0; pos + len <= n; ++pos) {
          can_[Key(i, pos)] = LiteralAt(pos, part.literal) && can_[Key(i + 1, pos + len)];
        }
      } else if (i + 1 == count_) {
        for (std::size_t pos = 0; pos < n; ++pos) can_[Key(i, pos)] = true;
      } else {
        // can_[i][pos] = some end > pos where the next literal starts and the rest matches.
        bool any_later = false;
        for (std::size_t pos = n; pos-- > 0;) {
          any_later = any_later || EndWorks(i, pos + 1);
          can_[Key(i, pos)] = any_later;
        }
      }
    }
    if (!can_[Key(0, 0)]) return false;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < count_; ++i) {
      const Part& part = parts_[i];
      if (!part.is_param) {
        pos += part.literal.size();
      } else if (i + 1 == count_) {
        found_.emplace_back(&part.param, value_.substr(pos));
      } else {
        std::size_t end = n;
        while (!EndWorks(i, end)) --end;  // exists: can_[i][pos] holds
        found_.emplace_back(&part.param, value_.substr(pos, end - pos));
        pos = end;
      }
    }
    return true;
  }
  const std::vector<std::pair<const Param*, std::string_view>>& found() const { return found_; }

 private:
  std::size_t Key(std::size_t i, std::size_t pos) const { return i * (value_.size() + 1) + pos; }

  bool LiteralAt(std::size_t pos, std::string_view lit) const {
    return pos + lit.size() <= value_.size() && EqualsIgnoreCase(value_.substr(pos, lit.size()), lit);
  }

  // Whether parameter i may end at `end`: the literal after it (never a parameter: the parser
  // checks) starts there and the parts after that literal match the rest.
  bool EndWorks(std::size_t i, std::size_t end) const {
    const std::string& lit = parts_[i + 1].literal;
    return LiteralAt(end, lit) && can_[Key(i + 2, end + lit.size())];
  }

  const std::vector<Part>& parts_;
  std::size_t count_;
  std::string_view value_;
  std::vector<bool> can_;  // can_[Key(i, pos)]: parts i.. match value_[pos..]
  std::vector<std::pair<const Param*, std::string_view>> found_;
};

bool MatchComplex(const Segment& seg, std::string_view value, RouteParams* out) {
  ComplexMatcher full(seg.parts, seg.parts.size(), value);
  const ComplexMatcher* match = nullptr;
  std::optional<ComplexMatcher> shorter;
  if (full.Run()) {
    match = &full;
  } else if (seg.parts.back().is_param && seg.parts.back().param.optional) {
    // "{name}.{ext?}" without its extension: drop the '.' and the optional parameter.
    shorter.emplace(seg.parts, seg.parts.size() - 2, value);
    if (shorter->Run()) match = &*shorter;
  }
  if (match == nullptr) return false;
  // Constraints judge the split chosen above; they do not steer it (as in ASP.NET).
  for (const auto& [param, text] : match->found()) {
    if (!param->Accepts(text)) return false;
  }
  for (const auto& [param, text] : match->found()) (*out)[param->name] = std::string(text);
  return true;
}

bool MatchSegment(const Segment& seg, std::string_view value, RouteParams* out) {
  if (seg.IsLiteral()) return EqualsIgnoreCase(seg.parts[0].literal, value);
  if (const Param* p = seg.SoleParam()) {
    if (value.empty() || !p->Accepts(value)) return false;
    (*out)[p->name] = std::string(value);
    return true;
  }
  return MatchComplex(seg, value, out);
}

// > 0 when `a` is more specific than `b`. Where one template ends first, it is the more
// specific one: "products" beats "products/{id?}" for the path "products" (in ASP.NET's
// decimal encoding the missing digits count as 0, the best).
int ComparePrecedence(const std::vector<int>& a, const std::vector<int>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] > b[i] ? 1 : -1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? 1 : -1;
}

}  // namespace

RouteTemplate::RouteTemplate() = default;
RouteTemplate::~RouteTemplate() = default;
RouteTemplate::RouteTemplate(RouteTemplate&&) noexcept = default;
RouteTemplate& RouteTemplate::operator=(RouteTemplate&&) noexcept = default;

StatusOr<RouteTemplate> RouteTemplate::Parse(std::string_view text) {
  RouteTemplate t;
  t.text_ = std::string(text);
  Parser parser(t.text_);
  if (Status s = parser.Parse(&t.segments_); !s.ok()) return s;
  t.precedence_.reserve(t.segments_.size());
  for (const auto& seg : t.segments_) t.precedence_.push_back(seg->Precedence());
  return t;
}

bool RouteTemplate::Match(const std::vector<std::string>& segments, RouteParams* params) const {
  RouteParams out;
  std::size_t j = 0;
  for (const auto& seg_ptr : segments_) {
    const Segment& seg = *seg_ptr;
    const Param* sole = seg.SoleParam();
    if (sole != nullptr && sole->catch_all) {  // always the last segment
      if (j < segments.size()) {
        std::string rest = segments[j];
        for (std::size_t k = j + 1; k < segments.size(); ++k) rest += "/" + segments[k];
        if (!sole->Accepts(rest)) return false;
        out[sole->name] = std::move(rest);
      } else if (sole->default_value) {
        out[sole->name] = *sole->default_value;
      } else if (!sole->constraints.empty()) {
        // ASP.NET checks a catch-all's constraints even when it caught nothing, and they fail.
        return false;
      }
      j = segments.size();
      break;
    }
    if (j == segments.size()) {
      if (!seg.Skippable()) return false;
      if (sole->default_value) out[sole->name] = *sole->default_value;
      continue;
    }
    if (!MatchSegment(seg, segments[j], &out)) return false;
    ++j;
  }
  if (j != segments.size()) return false;
  if (params != nullptr) *params = std::move(out);
  return true;
}

std::vector<std::string> SplitPath(std::string_view encoded_path) {
  // A query string is not part of the path; drop it if the caller passed a whole target.
  encoded_path = encoded_path.substr(0, encoded_path.find('?'));
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < encoded_path.size()) {
    std::size_t end = encoded_path.find('/', i);
    if (end == std::string_view::npos) end = encoded_path.size();
    if (end > i) out.push_back(PercentDecode(encoded_path.substr(i, end - i)));
    i = end + 1;
  }
  return out;
}

void Router::Add(int route_id, RouteTemplate route) {
  // Before the first less specific entry: equally specific routes keep registration order.
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return ComparePrecedence(route.precedence(), e.route.precedence()) > 0;
  });
  entries_.insert(it, Entry{route_id, std::move(route)});
}

std::vector<Router::Match> Router::MatchAll(const std::vector<std::string>& segments) const {
  std::vector<Match> out;
  for (const Entry& e : entries_) {
    RouteParams params;
    if (e.route.Match(segments, &params)) out.push_back(Match{e.id, std::move(params)});
  }
  return out;
}

bool PathEquals(const std::vector<std::string>& segments,
                std::initializer_list<std::string_view> want) {
  if (segments.size() != want.size()) return false;
  std::size_t i = 0;
  for (auto w : want)
    if (!EqualsIgnoreCase(segments[i++], w)) return false;
  return true;
}

}  // namespace squall
