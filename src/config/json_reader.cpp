#include "config/json_reader.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <cmath>
#include <limits>
#include <utility>

namespace squall::config_json {

namespace json = boost::json;

void IssueSink::Error(std::string pointer, std::string message) {
  errors_->push_back(ConfigIssue{file_, std::move(pointer), std::move(message)});
}

void IssueSink::Warning(std::string pointer, std::string message) {
  warnings_->push_back(ConfigIssue{file_, std::move(pointer), std::move(message)});
}

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// 1-based line and column of a byte offset, for syntax errors a person can find in an editor.
std::pair<std::size_t, std::size_t> LineColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

std::optional<json::value> ParseDocument(std::string_view text, IssueSink& sink) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // editors on Windows add it
  bool blank = true;
  for (char c : text) blank = blank && IsJsonWhitespace(c);
  if (blank) {
    sink.Error("", "the file is empty: expected a JSON object");
    return std::nullopt;
  }

  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  // write_some stops at the first error (or at the end of the first complete value), so the
  // count it returns is where the problem is.
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  std::string what;
  if (ec) {
    what = ec.message();
  } else if (consumed < text.size()) {
    what = "unexpected text after the end of the JSON document";
  } else {
    parser.finish(ec);
    if (ec) what = ec.message();
  }
  if (!what.empty()) {
    auto [line, column] = LineColumn(text, consumed);
    sink.Error("", fmt::format("invalid JSON at line {}, column {}: {}", line, column, what));
    return std::nullopt;
  }
  return parser.release();
}

std::optional<std::string> AsString(const json::value& v, const std::string& pointer,
                                    IssueSink& sink) {
  if (const json::string* s = v.if_string()) return std::string(*s);
  sink.Error(pointer, "expected a string, got " + Describe(v));
  return std::nullopt;
}

std::optional<bool> AsBool(const json::value& v, const std::string& pointer, IssueSink& sink) {
  if (const bool* b = v.if_bool()) return *b;
  sink.Error(pointer, "expected true or false, got " + Describe(v));
  return std::nullopt;
}

std::optional<std::int64_t> AsInt(const json::value& v, const std::string& pointer,
                                  IssueSink& sink) {
  if (const std::int64_t* i = v.if_int64()) return *i;
  if (const std::uint64_t* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
  } else if (const double* d = v.if_double()) {
    // 2^63 is exactly representable; anything at or above it does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (std::trunc(*d) == *d && *d >= -kLimit && *d < kLimit) return static_cast<std::int64_t>(*d);
  }
  sink.Error(pointer, "expected an integer, got " + Describe(v));
  return std::nullopt;
}

ObjectReader::ObjectReader(const json::object& obj, std::string pointer, IssueSink& sink)
    : obj_(&obj), pointer_(std::move(pointer)), sink_(&sink), used_(obj.size(), false) {}

std::string ObjectReader::PointerOf(std::string_view key) const {
  for (const auto& member : *obj_) {
    if (EqualsIgnoreCase(member.key(), key)) return PointerJoin(pointer_, member.key());
  }
  return PointerJoin(pointer_, key);
}

const json::value* ObjectReader::Find(std::string_view key) {
  const json::value* found = nullptr;
  std::size_t i = 0;
  for (const auto& member : *obj_) {
    if (EqualsIgnoreCase(member.key(), key)) {
      // "Version" and "version" in one object: the first is read, all count as known.
      if (found == nullptr) found = &member.value();
      used_[i] = true;
    }
    ++i;
  }
  return found;
}

void ObjectReader::Accept(std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) Find(key);
}

void ObjectReader::Missing(std::string_view key, std::string_view expected) {
  sink_->Error(PointerJoin(pointer_, key),
               fmt::format("missing required field: expected {}", expected));
}

std::optional<std::string> ObjectReader::String(std::string_view key) {
  const json::value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return AsString(*v, PointerOf(key), *sink_);
}

std::optional<bool> ObjectReader::Bool(std::string_view key) {
  const json::value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return AsBool(*v, PointerOf(key), *sink_);
}

std::optional<std::int64_t> ObjectReader::Int(std::string_view key) {
  const json::value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return AsInt(*v, PointerOf(key), *sink_);
}

std::optional<ObjectReader> ObjectReader::Object(std::string_view key) {
  const json::value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (const json::object* o = v->if_object()) return ObjectReader(*o, PointerOf(key), *sink_);
  sink_->Error(PointerOf(key), "expected an object, got " + Describe(*v));
  return std::nullopt;
}

const json::array* ObjectReader::Array(std::string_view key) {
  const json::value* v = Find(key);
  if (v == nullptr) return nullptr;
  if (const json::array* a = v->if_array()) return a;
  sink_->Error(PointerOf(key), "expected an array, got " + Describe(*v));
  return nullptr;
}

std::vector<const json::key_value_pair*> ObjectReader::Unread() const {
  std::vector<const json::key_value_pair*> out;
  std::size_t i = 0;
  for (const auto& member : *obj_) {
    if (!used_[i++]) out.push_back(&member);
  }
  return out;
}

void ObjectReader::WarnUnknown() {
  for (const json::key_value_pair* member : Unread()) {
    sink_->Warning(PointerJoin(pointer_, member->key()),
                   fmt::format("unknown field {} is ignored", Quote(member->key())));
  }
}

std::optional<ObjectReader> RootObject(const json::value& root, IssueSink& sink) {
  if (const json::object* o = root.if_object()) return ObjectReader(*o, "", sink);
  sink.Error("", "expected a JSON object at the top level, got " + Describe(root));
  return std::nullopt;
}

}  // namespace squall::config_json
