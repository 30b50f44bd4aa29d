#include "http/route_constraints.h"

#include "http/http_message.h"

#include <array>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

namespace squall {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// .NET measures length in UTF-16 units; code points are the closest honest count for UTF-8.
std::int64_t CodePoints(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool ParseRouteDouble(std::string_view t, double* out) {
  bool negative = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t.empty()) return false;
  // .NET's invariant culture spells these out; from_chars' "inf"/"nan(...)" forms are not .NET's.
  if (EqualsIgnoreCase(t, "NaN")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (EqualsIgnoreCase(t, "Infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  if (!IsDigit(t[0]) && t[0] != '.') return false;  // no second sign, no "inf"
  for (char c : t) {
    if (!IsDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return false;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (ec != std::errc() || end != t.data() + t.size()) return false;
  *out = negative ? -v : v;
  return true;
}

// System.Decimal: optional sign, digits with an optional fraction, no exponent, |v| < 2^96.
bool IsRouteDecimal(std::string_view t) {
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
  std::size_t dot = t.find('.');
  std::string_view whole = t.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if (whole.empty() && frac.empty()) return false;
  for (char c : whole) {
    if (!IsDigit(c)) return false;
  }
  for (char c : frac) {
    if (!IsDigit(c)) return false;
  }
  while (!whole.empty() && whole[0] == '0') whole.remove_prefix(1);
  static constexpr std::string_view kMax = "79228162514264337593543950335";
  if (whole.size() != kMax.size()) return whole.size() < kMax.size();
  return whole <= kMax;
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Splits "a, b" into trimmed integers; false if any is not an integer.
bool ParseIntArgs(std::string_view args, std::vector<std::int64_t>* out) {
  while (true) {
    std::size_t comma = args.find(',');
    std::int64_t v = 0;
    if (!ParseRouteInt64(Trim(args.substr(0, comma)), &v)) return false;
    out->push_back(v);
    if (comma == std::string_view::npos) return true;
    args.remove_prefix(comma + 1);
  }
}

struct KindName {
  std::string_view name;
  RouteConstraint::Kind kind;
  int arg_count;  // -1: one or two (length)
};

constexpr std::array<KindName, 17> kKinds = {{
    {"int", RouteConstraint::Kind::kInt, 0},
    {"long", RouteConstraint::Kind::kLong, 0},
    {"bool", RouteConstraint::Kind::kBool, 0},
    {"datetime", RouteConstraint::Kind::kDateTime, 0},
    {"decimal", RouteConstraint::Kind::kDecimal, 0},
    {"double", RouteConstraint::Kind::kDouble, 0},
    {"float", RouteConstraint::Kind::kFloat, 0},
    {"guid", RouteConstraint::Kind::kGuid, 0},
    {"alpha", RouteConstraint::Kind::kAlpha, 0},
    {"required", RouteConstraint::Kind::kRequired, 0},
    {"minlength", RouteConstraint::Kind::kMinLength, 1},
    {"maxlength", RouteConstraint::Kind::kMaxLength, 1},
    {"length", RouteConstraint::Kind::kLength, -1},
    {"min", RouteConstraint::Kind::kMin, 1},
    {"max", RouteConstraint::Kind::kMax, 1},
    {"range", RouteConstraint::Kind::kRange, 2},
    {"regex", RouteConstraint::Kind::kRegex, 1},
}};

const KindName* FindKind(std::string_view name) {
  for (const KindName& k : kKinds) {
    if (EqualsIgnoreCase(k.name, name)) return &k;
  }
  return nullptr;
}

// libstdc++ reads back-reference numbers and {n,m} counts into a long with no overflow check
// (undefined behaviour, found by fuzz/routes_fuzz.cpp), so refuse long numbers after '\\', '{'
// or ','. Seven digits is already far past the compiler's own state limit.
bool HasHugeRegexNumber(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '\\' && c != '{' && c != ',') continue;
    std::size_t run = 0;
    while (i + 1 + run < pattern.size() && IsDigit(pattern[i + 1 + run])) ++run;
    if (run > 6) return true;
    if (c == '\\') ++i;  // the escaped character is not an operator
  }
  return false;
}

// Regex values longer than this never match: bounds the work a request can cause.
constexpr std::size_t kMaxRegexValue = 64 * 1024;

}  // namespace

bool ParseRouteInt64(std::string_view text, std::int64_t* out) {
  // from_chars takes '-' but not '+'; .NET's NumberStyles.Integer takes both.
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text[0] == '-') return false;
  }
  if (text.empty()) return false;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  *out = v;
  return true;
}

bool IsRouteDateTime(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int* v) {
    if (i + n > t.size()) return false;
    int x = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!IsDigit(t[i + k])) return false;
      x = x * 10 + (t[i + k] - '0');
    }
    i += n;
    *v = x;
    return true;
  };
  auto eat = [&](char c) {
    if (i < t.size() && t[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int year = 0, month = 0, day = 0;
  if (!digits(4, &year) || !eat('-') || !digits(2, &month) || !eat('-') || !digits(2, &day)) {
    return false;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return false;
  }
  if (i == t.size()) return true;
  if (!eat('T') && !eat('t') && !eat(' ')) return false;
  int hour = 0, minute = 0, second = 0;
  if (!digits(2, &hour) || !eat(':') || !digits(2, &minute) || hour > 23 || minute > 59) {
    return false;
  }
  if (eat(':')) {
    if (!digits(2, &second) || second > 59) return false;
    if (eat('.')) {
      std::size_t start = i;
      while (i < t.size() && IsDigit(t[i])) ++i;
      if (i == start || i - start > 7) return false;  // .NET keeps 100 ns ticks
    }
  }
  if (i == t.size()) return true;
  if (eat('Z') || eat('z')) return i == t.size();
  if (!eat('+') && !eat('-')) return false;
  int off_hour = 0, off_minute = 0;
  if (!digits(2, &off_hour)) return false;
  eat(':');
  if (!digits(2, &off_minute) || off_hour > 14 || off_minute > 59) return false;
  return i == t.size();
}

bool IsRouteGuid(std::string_view t) {
  // .NET's "B" {…} and "P" (…) forms wrap the "D" form.
  if (t.size() == 38 &&
      ((t.front() == '{' && t.back() == '}') || (t.front() == '(' && t.back() == ')'))) {
    t = t.substr(1, 36);
  }
  if (t.size() == 32) {
    for (char c : t) {
      if (!IsHex(c)) return false;
    }
    return true;
  }
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_here ? t[i] != '-' : !IsHex(t[i])) return false;
  }
  return true;
}

bool RouteConstraint::IsKnown(std::string_view name) { return FindKind(name) != nullptr; }

StatusOr<RouteConstraint> RouteConstraint::Make(std::string_view name,
                                                std::optional<std::string_view> args) {
  const KindName* k = FindKind(name);
  if (k == nullptr) return InvalidArgument("unknown constraint '" + std::string(name) + "'");
  std::string text(name);
  if (args) text += "(" + std::string(*args) + ")";
  RouteConstraint c(k->kind, text);
  if (k->arg_count == 0) {
    if (args) return InvalidArgument("constraint '" + std::string(name) + "' takes no arguments");
    return c;
  }
  if (!args) {
    return InvalidArgument("constraint '" + std::string(name) + "' needs an argument, e.g. '" +
                           std::string(k->name) + (k->arg_count == 2 ? "(1,10)'" : "(1)'"));
  }
  if (k->kind == Kind::kRegex) {
    if (args->empty()) return InvalidArgument("constraint 'regex' needs a pattern");
    if (HasHugeRegexNumber(*args)) {
      return InvalidArgument("invalid regex '" + std::string(*args) +
                             "': counts and back-references are limited to 6 digits");
    }
    auto flags = std::regex::ECMAScript | std::regex::icase;
#ifdef __GLIBCXX__
    // libstdc++'s default engine backtracks and recurses once per character, so a long path or
    // a pattern like (a*)*b could exhaust the stack or the CPU; the polynomial engine does
    // neither (it rejects back-references, which we report as a parse error).
    flags |= std::regex_constants::__polynomial;
#endif
    try {
      c.regex_ = std::make_shared<const std::regex>(std::string(*args), flags);
    } catch (const std::regex_error& e) {
      return InvalidArgument("invalid regex '" + std::string(*args) + "': " + e.what());
    }
    return c;
  }
  std::vector<std::int64_t> v;
  if (!ParseIntArgs(*args, &v)) {
    return InvalidArgument("constraint '" + std::string(name) +
                           "' expects integer arguments, got '" + std::string(*args) + "'");
  }
  std::size_t want_min = k->arg_count == -1 ? 1 : static_cast<std::size_t>(k->arg_count);
  std::size_t want_max = k->arg_count == -1 ? 2 : want_min;
  if (v.size() < want_min || v.size() > want_max) {
    return InvalidArgument("constraint '" + std::string(name) + "' expects " +
                           (want_min == want_max ? std::to_string(want_min) : "1 or 2") +
                           " argument(s), got " + std::to_string(v.size()));
  }
  c.lo_ = v[0];
  c.hi_ = v.size() > 1 ? v[1] : v[0];
  bool is_length =
      k->kind == Kind::kMinLength || k->kind == Kind::kMaxLength || k->kind == Kind::kLength;
  if (is_length && (c.lo_ < 0 || c.hi_ < 0)) {
    return InvalidArgument("constraint '" + std::string(name) + "': a length cannot be negative");
  }
  if (c.lo_ > c.hi_) {
    return InvalidArgument("constraint '" + std::string(name) + "': minimum " +
                           std::to_string(c.lo_) + " is greater than maximum " +
                           std::to_string(c.hi_));
  }
  return c;
}

bool RouteConstraint::Matches(std::string_view value) const {
  std::int64_t n = 0;
  double d = 0;
  switch (kind_) {
    case Kind::kInt:
      return ParseRouteInt64(value, &n) && n >= std::numeric_limits<std::int32_t>::min() &&
             n <= std::numeric_limits<std::int32_t>::max();
    case Kind::kLong:
      return ParseRouteInt64(value, &n);
    case Kind::kBool:
      return EqualsIgnoreCase(value, "true") || EqualsIgnoreCase(value, "false");
    case Kind::kDateTime:
      return IsRouteDateTime(value);
    case Kind::kDecimal:
      return IsRouteDecimal(value);
    case Kind::kDouble:
      return ParseRouteDouble(value, &d);
    case Kind::kFloat:
      return ParseRouteDouble(value, &d) && (!std::isfinite(d) || std::fabs(d) <= FLT_MAX);
    case Kind::kGuid:
      return IsRouteGuid(value);
    case Kind::kAlpha:
      if (value.empty()) return false;
      for (char c : value) {
        if (!IsAlpha(c)) return false;
      }
      return true;
    case Kind::kRequired:
      return !value.empty();
    case Kind::kMinLength:
      return CodePoints(value) >= lo_;
    case Kind::kMaxLength:
      return CodePoints(value) <= lo_;
    case Kind::kLength: {
      std::int64_t len = CodePoints(value);
      return len >= lo_ && len <= hi_;
    }
    case Kind::kMin:
      return ParseRouteInt64(value, &n) && n >= lo_;
    case Kind::kMax:
      return ParseRouteInt64(value, &n) && n <= lo_;
    case Kind::kRange:
      return ParseRouteInt64(value, &n) && n >= lo_ && n <= hi_;
    case Kind::kRegex:
      if (value.size() > kMaxRegexValue) return false;
      try {
        return std::regex_match(value.begin(), value.end(), *regex_);
      } catch (const std::exception&) {
        return false;  // error_complexity / error_stack: treat as no match, never crash
      }
  }
  return false;
}

}  // namespace squall
