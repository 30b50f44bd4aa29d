#include "memory/smaps.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <optional>

namespace squall {

namespace {

constexpr std::int64_t kMaxKb = std::numeric_limits<std::int64_t>::max() / 1024;

std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::numeric_limits<std::int64_t>::max();
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The next whitespace-separated token of s (s advanced past it); "" at the end.
std::string_view NextToken(std::string_view& s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && !IsSpace(s[n])) ++n;
  std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// "start-end" in hex (a mapping header's first field).
bool ParseRange(std::string_view token, std::uint64_t& start, std::uint64_t& end) {
  auto dash = token.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= token.size()) return false;
  std::string_view a = token.substr(0, dash), b = token.substr(dash + 1);
  if (!std::all_of(a.begin(), a.end(), IsHex) || !std::all_of(b.begin(), b.end(), IsHex))
    return false;
  auto ra = std::from_chars(a.data(), a.data() + a.size(), start, 16);
  auto rb = std::from_chars(b.data(), b.data() + b.size(), end, 16);
  return ra.ec == std::errc() && ra.ptr == a.data() + a.size() && rb.ec == std::errc() &&
         rb.ptr == b.data() + b.size();
}

Status LineError(std::size_t line, const std::string& what) {
  return InvalidArgument("line " + std::to_string(line) + ": " + what);
}

// "    123 kB" → bytes.
std::optional<std::int64_t> ParseKb(std::string_view value) {
  std::string_view rest = value;
  std::string_view number = NextToken(rest);
  std::string_view unit = NextToken(rest);
  if (number.empty() || unit != "kB" || !NextToken(rest).empty()) return std::nullopt;
  std::int64_t kb = 0;
  auto r = std::from_chars(number.data(), number.data() + number.size(), kb);
  if (r.ec != std::errc() || r.ptr != number.data() + number.size() || kb < 0 || kb > kMaxKb)
    return std::nullopt;
  return kb * 1024;
}

struct Line {
  std::string_view text;
  std::size_t number = 0;  // 1-based
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> out;
  std::size_t number = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    ++number;
    if (!TrimSpaces(line).empty()) out.push_back({line, number});
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return out;
}

// A "Key: value" line: the key, or nullopt when the line is not one.
std::optional<std::pair<std::string_view, std::string_view>> KeyValue(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view key = line.substr(0, colon);
  if (std::any_of(key.begin(), key.end(), IsSpace)) return std::nullopt;
  return std::pair{key, line.substr(colon + 1)};
}

bool IsHeader(std::string_view line) {
  std::string_view rest = line;
  std::string_view first = NextToken(rest);
  std::uint64_t a = 0, b = 0;
  return ParseRange(first, a, b);
}

// Fields of one block: the known ones (by name) must be "N kB" and appear once.
class FieldReader {
 public:
  explicit FieldReader(std::map<std::string_view, std::int64_t*> fields)
      : fields_(std::move(fields)) {}

  Status Read(const Line& line, std::string_view key, std::string_view value) {
    auto it = fields_.find(key);
    if (it == fields_.end()) return Status::Ok();  // a field this parser does not use
    if (!seen_.insert({key, true}).second)
      return LineError(line.number, std::string(key) + " appears twice");
    auto bytes = ParseKb(value);
    if (!bytes) {
      return LineError(line.number, std::string(key) + ": expected \"<kilobytes> kB\", got \"" +
                                        std::string(TrimSpaces(value).substr(0, 40)) + "\"");
    }
    *it->second = *bytes;
    return Status::Ok();
  }
  bool Seen(std::string_view key) const { return seen_.count(key) > 0; }

 private:
  std::map<std::string_view, std::int64_t*> fields_;
  std::map<std::string_view, bool> seen_;
};

}  // namespace

StatusOr<SmapsRollup> ParseSmapsRollup(std::string_view text) {
  SmapsRollup out;
  FieldReader reader({{"Rss", &out.rss},
                      {"Pss", &out.pss},
                      {"Pss_Anon", &out.pss_anon},
                      {"Pss_File", &out.pss_file},
                      {"Pss_Shmem", &out.pss_shmem},
                      {"Shared_Clean", &out.shared_clean},
                      {"Shared_Dirty", &out.shared_dirty},
                      {"Private_Clean", &out.private_clean},
                      {"Private_Dirty", &out.private_dirty},
                      {"Anonymous", &out.anonymous},
                      {"Swap", &out.swap},
                      {"SwapPss", &out.swap_pss}});
  bool any_field = false;
  bool header = false;
  for (const Line& line : SplitLines(text)) {
    if (IsHeader(line.text)) {
      if (header || any_field)
        return LineError(line.number,
                         "a second mapping header (this is "
                         "smaps, not smaps_rollup?)");
      header = true;
      continue;
    }
    auto kv = KeyValue(line.text);
    if (!kv) return LineError(line.number, "expected \"Key: value\"");
    any_field = true;
    if (Status s = reader.Read(line, kv->first, kv->second); !s.ok()) return s;
  }
  for (const char* required : {"Rss", "Pss"}) {
    if (!reader.Seen(required)) return InvalidArgument(std::string("no ") + required + " line");
  }
  return out;
}

StatusOr<std::vector<SmapsMapping>> ParseSmaps(std::string_view text) {
  std::vector<SmapsMapping> out;
  std::optional<FieldReader> reader;
  for (const Line& line : SplitLines(text)) {
    std::string_view rest = line.text;
    std::string_view first = NextToken(rest);
    SmapsMapping m;
    if (ParseRange(first, m.start, m.end)) {
      if (m.end < m.start) return LineError(line.number, "mapping ends before it starts");
      m.perms = std::string(NextToken(rest));
      std::string_view offset = NextToken(rest), device = NextToken(rest), inode = NextToken(rest);
      if (m.perms.size() != 4 || offset.empty() || device.empty() || inode.empty())
        return LineError(line.number, "a mapping header needs range, perms, offset, dev, inode");
      m.name = std::string(TrimSpaces(rest));
      out.push_back(std::move(m));
      SmapsMapping& cur = out.back();
      reader.emplace(
          std::map<std::string_view, std::int64_t*>{{"Size", &cur.size},
                                                    {"Rss", &cur.rss},
                                                    {"Pss", &cur.pss},
                                                    {"Private_Clean", &cur.private_clean},
                                                    {"Private_Dirty", &cur.private_dirty},
                                                    {"Swap", &cur.swap}});
      continue;
    }
    auto kv = KeyValue(line.text);
    if (!kv) return LineError(line.number, "expected a mapping header or \"Key: value\"");
    if (!reader) return LineError(line.number, "a field before the first mapping header");
    if (Status s = reader->Read(line, kv->first, kv->second); !s.ok()) return s;
  }
  return out;
}

std::vector<SmapsGroup> GroupSmaps(const std::vector<SmapsMapping>& mappings) {
  std::map<std::string, SmapsGroup> by_name;
  for (const auto& m : mappings) {
    std::string name = m.name.empty() ? "[anon]" : m.name;
    SmapsGroup& g = by_name[name];
    g.name = name;
    ++g.mappings;
    g.rss = SaturatingAdd(g.rss, m.rss);
    g.pss = SaturatingAdd(g.pss, m.pss);
    g.private_bytes =
        SaturatingAdd(g.private_bytes, SaturatingAdd(m.private_clean, m.private_dirty));
    g.swap = SaturatingAdd(g.swap, m.swap);
  }
  std::vector<SmapsGroup> out;
  for (auto& [name, g] : by_name) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(),
                   [](const SmapsGroup& a, const SmapsGroup& b) { return a.pss > b.pss; });
  return out;
}

std::int64_t CoreDumpEstimate(const std::vector<SmapsMapping>& mappings) {
  std::int64_t total = 0;
  for (const auto& m : mappings) {
    if (m.perms.empty() || m.perms[0] != 'r') continue;
    total = SaturatingAdd(total, m.size);
  }
  return total;
}

}  // namespace squall
