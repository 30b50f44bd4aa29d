#include "core/json_text.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

namespace squall {

namespace json = boost::json;

std::string PointerJoin(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PointerJoin(std::string_view parent, std::size_t index) {
  return fmt::format("{}/{}", parent, index);
}

std::string Quote(std::string_view s) {
  // Long values (a whole script pasted into a field) would drown the message.
  constexpr std::size_t kMaxShown = 80;
  if (s.size() <= kMaxShown) return json::serialize(s);
  std::string shown = json::serialize(s.substr(0, kMaxShown));
  shown.insert(shown.size() - 1, "...");
  return shown;
}

std::string Describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return Quote(v.get_string());
    case json::kind::object:
      return "an object";
    case json::kind::array:
      return "an array";
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_: {
      // The shortest round-trip form ("1.5"), friendlier than serialize's "1.5E0"; 2.0 stays
      // "2.0" so `"version": 2.0` is not reported as "got 2".
      std::string out = fmt::format("{}", v.get_double());
      if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
      return out;
    }
  }
  return "a value";
}

}  // namespace squall
