// Private to src/config: a small walker over a parsed boost::json document that knows the JSON
// pointer of every value it hands out, so each check can report "file: /a/b/0: expected X, got Y"
// without the parsers threading paths around by hand. Member lookup is ASCII case-insensitive,
// like the .NET configuration binder Azure Functions uses for these files.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"
#include "core/ascii.h"
#include "core/json_text.h"

namespace squall::config_json {

// Where the issues found in one file go.
class IssueSink {
 public:
  IssueSink(std::string file, std::vector<ConfigIssue>& errors, std::vector<ConfigIssue>& warnings)
      : file_(std::move(file)), errors_(&errors), warnings_(&warnings) {}

  void Error(std::string pointer, std::string message);
  void Warning(std::string pointer, std::string message);
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ConfigIssue>* errors_;
  std::vector<ConfigIssue>* warnings_;
};

using ::squall::Describe;
using ::squall::PointerJoin;
using ::squall::Quote;
using ::squall::EqualsIgnoreCase;
bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix);
std::string ToLowerAscii(std::string_view s);

// Parses a whole file whose root must be an object. Accepts what Azure's JSON.NET reader
// accepts beyond strict JSON: a UTF-8 byte order mark, comments, trailing commas. On failure
// reports one error (with line and column for syntax errors) and returns nullopt.
std::optional<boost::json::value> ParseDocument(std::string_view text, IssueSink& sink);

// Typed views of one value; on a type mismatch they report "expected ..., got ..." at pointer.
std::optional<std::string> AsString(const boost::json::value& v, const std::string& pointer,
                                    IssueSink& sink);
std::optional<bool> AsBool(const boost::json::value& v, const std::string& pointer,
                           IssueSink& sink);
// Integers; integral floating-point values (10.0, 1e3) are accepted as well.
std::optional<std::int64_t> AsInt(const boost::json::value& v, const std::string& pointer,
                                  IssueSink& sink);

// One JSON object being read: typed getters that mark members as known, and a final sweep that
// warns about members nobody asked for (Azure ignores unknown fields; we say so).
class ObjectReader {
 public:
  ObjectReader(const boost::json::object& obj, std::string pointer, IssueSink& sink);

  const std::string& pointer() const { return pointer_; }
  const boost::json::object& object() const { return *obj_; }
  IssueSink& sink() const { return *sink_; }
  // Pointer of a member: the key as written in the file when present, else `key`.
  std::string PointerOf(std::string_view key) const;

  // The member named key (any case), marked as known; nullptr when absent.
  const boost::json::value* Find(std::string_view key);
  // Known members that squall accepts and ignores without a word.
  void Accept(std::initializer_list<std::string_view> keys);
  // Reports "missing required field" at PointerOf(key).
  void Missing(std::string_view key, std::string_view expected);

  // Absent -> nullopt without an error; present with the wrong type -> error and nullopt.
  std::optional<std::string> String(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  std::optional<std::int64_t> Int(std::string_view key);
  std::optional<ObjectReader> Object(std::string_view key);
  const boost::json::array* Array(std::string_view key);

  // The members not read or accepted so far, in file order.
  std::vector<const boost::json::key_value_pair*> Unread() const;
  // Warns "unknown field" for every member not read or accepted.
  void WarnUnknown();

 private:
  const boost::json::object* obj_;
  std::string pointer_;
  IssueSink* sink_;
  std::vector<bool> used_;
};

// The document's root as an ObjectReader; reports "expected a JSON object" when it is not one.
std::optional<ObjectReader> RootObject(const boost::json::value& root, IssueSink& sink);

}  // namespace squall::config_json
