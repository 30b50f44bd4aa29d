// JSON in error messages: where (RFC 6901 pointers) and what ("got ..."), worded the same by
// every parser that reports on a JSON document (config files, concurrency snapshots).
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace squall {

// RFC 6901: "~" becomes "~0" and "/" becomes "~1".
std::string PointerJoin(std::string_view parent, std::string_view key);
std::string PointerJoin(std::string_view parent, std::size_t index);

// A JSON string literal for messages, shortened when long: "abc" -> "\"abc\"".
std::string Quote(std::string_view s);
// What a value is, for "got ..." in messages: a string or scalar as JSON text, "an object",
// "an array".
std::string Describe(const boost::json::value& v);

}  // namespace squall
