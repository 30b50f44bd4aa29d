#include "versions/version_order.h"

#include <algorithm>
#include <vector>

namespace squall {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Numbers of any length compared without converting: fewer digits (leading zeros aside) is less.
int CompareNumbers(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
}

int CompareText(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

struct Parsed {
  std::vector<std::string_view> core;  // numeric
  std::vector<std::string_view> pre;   // after '-', dot-separated
  std::string_view build;              // after '+'
};

bool Parse(std::string_view v, Parsed& out) {
  auto plus = v.find('+');
  if (plus != std::string_view::npos) {
    out.build = v.substr(plus + 1);
    v = v.substr(0, plus);
  }
  auto dash = v.find('-');
  std::string_view core = v.substr(0, dash);
  if (dash != std::string_view::npos) out.pre = Split(v.substr(dash + 1), '.');
  out.core = Split(core, '.');
  return std::all_of(out.core.begin(), out.core.end(), AllDigits);
}

}  // namespace

std::string VersionNameProblem(std::string_view name) {
  if (name.empty()) return "empty";
  if (name.size() > 64) return "longer than 64 characters";
  if (!IsAlnum(name.front())) return "must start with a letter or digit";
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '+' && c != '-')
      return std::string("'") + c + "' is not allowed (letters, digits, '.', '_', '+', '-')";
  }
  return "";
}

int CompareVersions(std::string_view a, std::string_view b) {
  Parsed pa, pb;
  bool sa = Parse(a, pa), sb = Parse(b, pb);
  if (sa != sb) return sa ? 1 : -1;
  if (!sa) return CompareText(a, b);
  for (std::size_t k = 0; k < std::max(pa.core.size(), pb.core.size()); ++k) {
    std::string_view x = k < pa.core.size() ? pa.core[k] : "0";
    std::string_view y = k < pb.core.size() ? pb.core[k] : "0";
    if (int c = CompareNumbers(x, y)) return c;
  }
  if (pa.pre.empty() != pb.pre.empty()) return pa.pre.empty() ? 1 : -1;  // a release is higher
  for (std::size_t k = 0; k < std::min(pa.pre.size(), pb.pre.size()); ++k) {
    bool nx = AllDigits(pa.pre[k]), ny = AllDigits(pb.pre[k]);
    if (nx != ny) return nx ? -1 : 1;  // numeric identifiers are lower
    if (int c = nx ? CompareNumbers(pa.pre[k], pb.pre[k]) : CompareText(pa.pre[k], pb.pre[k]))
      return c;
  }
  if (pa.pre.size() != pb.pre.size()) return pa.pre.size() < pb.pre.size() ? -1 : 1;
  if (int c = CompareText(pa.build, pb.build)) return c;
  return CompareText(a, b);  // "1.0" and "1.0.0": still an order
}

}  // namespace squall
