#include "concurrency/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>

#include "core/ascii.h"
#include "core/json_text.h"

namespace squall {
namespace {

namespace json = boost::json;

constexpr std::string_view kTimestamp = "Timestamp";
constexpr std::string_view kCores = "NumberOfCores";
constexpr std::string_view kFunctions = "FunctionSnapshots";
constexpr std::string_view kConcurrency = "Concurrency";

// Snapshots are written by squall, after 1970; ParseIso8601 itself stops at 2261 (WallTime).
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2261;

Status Error(std::string_view pointer, std::string_view message) {
  return InvalidArgument(
      fmt::format("concurrency snapshot: {}: {}", pointer.empty() ? "/" : pointer, message));
}

// The member named `name`, ignoring case (JSON.NET's default); nullptr when absent.
const json::value* Member(const json::object& object, std::string_view name) {
  for (const auto& [key, value] : object) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

std::optional<int> PositiveInt(const json::value& v) {
  std::int64_t n = 0;
  if (const std::int64_t* i = v.if_int64()) {
    n = *i;
  } else if (const std::uint64_t* u = v.if_uint64()) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
    n = static_cast<std::int64_t>(*u);
  } else {
    return std::nullopt;
  }
  if (n < 1 || n > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(n);
}

StatusOr<WallTime> ParseTimestamp(const json::value& v, std::string_view pointer) {
  const json::string* text = v.if_string();
  if (text == nullptr) return Error(pointer, "expected a UTC time string, got " + Describe(v));
  const std::string_view s(text->data(), text->size());
  int year = 0;
  for (std::size_t i = 0; i < 4 && i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    year = year * 10 + (s[i] - '0');
  }
  std::optional<WallTime> t;
  if (year >= kFirstYear && year <= kLastYear) t = ParseIso8601(s);
  // A leap second on the last night would land in kLastYear + 1, which would not read back.
  const WallTime end{
      std::chrono::sys_days(std::chrono::year(kLastYear + 1) / 1 / 1).time_since_epoch()};
  if (t && *t >= end) t.reset();
  if (!t) {
    return Error(pointer, fmt::format("expected \"YYYY-MM-DDTHH:MM:SS[.fff]Z\" between {} and {}, "
                                      "got {}",
                                      kFirstYear, kLastYear, Quote(s)));
  }
  return *t;
}

int Cap(int maximum_function_concurrency) {
  return maximum_function_concurrency > 0 ? maximum_function_concurrency
                                          : std::numeric_limits<int>::max();
}

}  // namespace

ConcurrencySnapshot TakeSnapshot(const std::map<std::string, int>& levels, int cores,
                                 WallTime timestamp) {
  ConcurrencySnapshot s;
  s.timestamp = timestamp;
  s.number_of_cores = std::max(1, cores);
  for (const auto& [function, level] : levels) s.levels[function] = std::max(1, level);
  return s;
}

bool SameLevels(const ConcurrencySnapshot& a, const ConcurrencySnapshot& b) {
  return a.number_of_cores == b.number_of_cores && a.levels == b.levels;
}

std::string SerializeSnapshot(const ConcurrencySnapshot& snapshot) {
  json::object functions;
  for (const auto& [function, level] : snapshot.levels) {
    json::object entry;
    entry[kConcurrency] = level;
    functions[function] = std::move(entry);
  }
  json::object root;
  root[kTimestamp] = FormatIso8601(snapshot.timestamp);
  root[kCores] = snapshot.number_of_cores;
  root[kFunctions] = std::move(functions);
  return json::serialize(root);
}

StatusOr<ConcurrencySnapshot> ParseSnapshot(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return Error("", "not JSON: " + ec.message());
  const json::object* object = root.if_object();
  if (object == nullptr) return Error("", "expected an object, got " + Describe(root));

  ConcurrencySnapshot out;
  const json::value* timestamp = Member(*object, kTimestamp);
  if (timestamp == nullptr) return Error("/Timestamp", "missing");
  StatusOr<WallTime> t = ParseTimestamp(*timestamp, "/Timestamp");
  if (!t.ok()) return t.status();
  out.timestamp = *t;

  const json::value* cores = Member(*object, kCores);
  if (cores == nullptr) return Error("/NumberOfCores", "missing");
  const std::optional<int> n = PositiveInt(*cores);
  if (!n) return Error("/NumberOfCores", "expected an integer >= 1, got " + Describe(*cores));
  out.number_of_cores = *n;

  const json::value* functions = Member(*object, kFunctions);
  if (functions == nullptr || functions->is_null()) return out;  // Azure's null check
  const json::object* entries = functions->if_object();
  if (entries == nullptr) {
    return Error("/FunctionSnapshots", "expected an object, got " + Describe(*functions));
  }
  for (const auto& [key, value] : *entries) {
    const std::string name(key.data(), key.size());
    const std::string pointer = PointerJoin("/FunctionSnapshots", name);
    if (name.empty()) return Error(pointer, "function name is empty");
    for (const auto& [seen, level] : out.levels) {
      if (EqualsIgnoreCase(seen, name)) {
        return Error(pointer,
                     fmt::format("{} and {} name the same function", Quote(seen), Quote(name)));
      }
    }
    const json::object* entry = value.if_object();
    if (entry == nullptr) return Error(pointer, "expected an object, got " + Describe(value));
    const json::value* concurrency = Member(*entry, kConcurrency);
    if (concurrency == nullptr) return Error(pointer + "/Concurrency", "missing");
    const std::optional<int> level = PositiveInt(*concurrency);
    if (!level) {
      return Error(pointer + "/Concurrency",
                   "expected an integer >= 1, got " + Describe(*concurrency));
    }
    out.levels[name] = *level;
  }
  return out;
}

int CoreAdjustedLevel(int snapshot_level, int snapshot_cores, int cores) {
  const std::int64_t level = std::max(1, snapshot_level);
  const std::int64_t from = std::max(1, snapshot_cores);
  const std::int64_t to = std::max(1, cores);
  if (from == to) return static_cast<int>(level);
  const std::int64_t scaled = (level * to + from / 2) / from;  // rounded half up
  return static_cast<int>(std::clamp<std::int64_t>(scaled, 1, std::numeric_limits<int>::max()));
}

AppliedSnapshot ApplySnapshot(const std::map<std::string, int>& levels,
                              const ConcurrencySnapshot& snapshot, int cores,
                              int maximum_function_concurrency) {
  AppliedSnapshot out;
  out.levels = levels;
  const int cap = Cap(maximum_function_concurrency);
  const int my_cores = std::max(1, cores);
  for (const auto& entry : snapshot.levels) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::string& function = entry.first;
    const int snapshot_level = entry.second;
    auto it = out.levels.find(function);
    if (it == out.levels.end()) {
      it = std::find_if(out.levels.begin(), out.levels.end(),
                        [&](const auto& known) { return EqualsIgnoreCase(known.first, function); });
    }
    RestoredLevel r;
    r.function = it == out.levels.end() ? function : it->first;
    r.snapshot_level = snapshot_level;
    r.from = it == out.levels.end() ? 0 : it->second;
    const int adjusted = CoreAdjustedLevel(snapshot_level, snapshot.number_of_cores, my_cores);
    const int capped = std::min(adjusted, cap);
    r.to = std::max({r.from, capped, 1});
    std::string why = fmt::format("{}: {} on {} cores → {} on {} cores", r.function, snapshot_level,
                                  snapshot.number_of_cores, adjusted, my_cores);
    if (capped < adjusted) why += fmt::format(", capped at maximumFunctionConcurrency {}", cap);
    if (r.from > capped) {
      why += fmt::format(", kept {} (never lowered)", r.from);
    } else if (r.from > 0) {
      why += fmt::format(" (was {})", r.from);
    }
    r.reason = std::move(why);
    out.levels[r.function] = r.to;
    out.restored.push_back(std::move(r));
  }
  return out;
}

}  // namespace squall
