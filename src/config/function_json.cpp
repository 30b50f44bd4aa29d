// function.json: the bindings of one function. Common keys (type, direction, name) and the HTTP
// trigger's keys are validated here; every other key of a binding is kept as raw JSON for the
// trigger or output binding that owns it, so bindings squall does not know yet still parse.
#include "config/function_json.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <optional>

#include "config/json_reader.h"

namespace squall {

namespace {

namespace json = boost::json;
using config_json::Describe;
using config_json::EqualsIgnoreCase;
using config_json::IssueSink;
using config_json::ObjectReader;
using config_json::PointerJoin;
using config_json::Quote;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Binding names become parameter names in the invocation payload ("Data": {"req": ...}).
bool IsValidBindingName(std::string_view name) {
  if (name == "$return") return true;
  if (name.empty() || name.size() > 128 || !IsAsciiLetter(name[0])) return false;
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_') return false;
  }
  return true;
}

// RFC 9110 token characters, the syntax of an HTTP method.
bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (IsAsciiLetter(c) || IsAsciiDigit(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

void ReadAuthLevel(ObjectReader& b, Binding& out) {
  const json::value* v = b.Find("authLevel");
  if (v == nullptr) return;
  const std::string pointer = b.PointerOf("authLevel");
  constexpr const char* kExpected = "expected one of \"anonymous\", \"function\", \"admin\"";
  const json::string* s = v->if_string();
  const std::string level =
      s ? config_json::ToLowerAscii(std::string_view(s->data(), s->size())) : std::string();
  if (level == "anonymous") {
    out.auth_level = AuthLevel::kAnonymous;
  } else if (level == "function") {
    out.auth_level = AuthLevel::kFunction;
  } else if (level == "admin") {
    out.auth_level = AuthLevel::kAdmin;
  } else if (level == "system" || level == "user") {
    // Real AuthorizationLevel values in Azure, but reserved for its own endpoints / EasyAuth.
    b.sink().Error(pointer, fmt::format("{}, got {} (reserved by Azure for its own endpoints, "
                                        "not available to functions)",
                                        kExpected, Describe(*v)));
  } else {
    b.sink().Error(pointer, fmt::format("{}, got {}", kExpected, Describe(*v)));
  }
}

void ReadMethods(ObjectReader& b, Binding& out) {
  const json::value* v = b.Find("methods");
  if (v == nullptr || v->is_null()) return;  // null, like absent: every method
  const std::string pointer = b.PointerOf("methods");
  const json::array* methods = v->if_array();
  if (methods == nullptr) {
    b.sink().Error(pointer, "expected an array of HTTP methods such as [\"get\", \"post\"], got " +
                                Describe(*v));
    return;
  }
  for (std::size_t i = 0; i < methods->size(); ++i) {
    const json::value& m = (*methods)[i];
    const json::string* s = m.if_string();
    if (s == nullptr || !IsHttpToken(std::string_view(s->data(), s->size()))) {
      b.sink().Error(PointerJoin(pointer, i),
                     "expected an HTTP method such as \"get\" or \"post\", got " + Describe(m));
      continue;
    }
    std::string method = ToUpperAscii(std::string_view(s->data(), s->size()));
    bool seen = false;
    for (const std::string& existing : out.methods) seen = seen || existing == method;
    if (!seen) out.methods.push_back(std::move(method));
  }
}

void ReadRoute(ObjectReader& b, Binding& out) {
  const json::value* v = b.Find("route");
  if (v == nullptr || v->is_null()) return;
  if (auto route = config_json::AsString(*v, b.PointerOf("route"), b.sink())) {
    // Azure uses the function name when the route is null or empty.
    if (!route->empty()) out.route = *route;
  }
}

// Reads one binding object; returns whether its type could be read (for the trigger count).
bool ReadBinding(ObjectReader& b, Binding& out) {
  bool type_ok = false;
  if (b.Find("type") == nullptr) {
    b.Missing("type", "a binding type such as \"httpTrigger\", \"http\" or \"queueTrigger\"");
  } else if (auto type = b.String("type")) {
    if (type->empty()) {
      b.sink().Error(b.PointerOf("type"),
                     "expected a binding type such as \"httpTrigger\", \"http\" or "
                     "\"queueTrigger\", got \"\"");
    } else {
      out.type = *type;
      type_ok = true;
    }
  }

  if (b.Find("direction") == nullptr) {
    b.Missing("direction", "one of \"in\", \"out\", \"inout\"");
  } else if (const json::value* v = b.Find("direction")) {
    const json::string* s = v->if_string();
    std::string direction =
        s ? config_json::ToLowerAscii(std::string_view(s->data(), s->size())) : std::string();
    if (direction == "in" || direction == "out" || direction == "inout") {
      out.direction = std::move(direction);
    } else {
      b.sink().Error(b.PointerOf("direction"),
                     "expected one of \"in\", \"out\", \"inout\", got " + Describe(*v));
    }
  }

  if (b.Find("name") == nullptr) {
    b.Missing("name", "a binding name such as \"req\" or \"$return\"");
  } else if (auto name = b.String("name")) {
    const std::string pointer = b.PointerOf("name");
    if (!IsValidBindingName(*name)) {
      b.sink().Error(pointer,
                     "expected a binding name (a letter, then letters, digits or '_', "
                     "at most 128 characters) or \"$return\", got " +
                         Quote(*name));
    } else if (*name == "$return" && !out.direction.empty() && out.direction != "out") {
      b.sink().Error(pointer, fmt::format("\"$return\" is only allowed for an \"out\" binding, "
                                          "got direction \"{}\"",
                                          out.direction));
    }
    out.name = *name;
  }

  if (EqualsIgnoreCase(out.type, "httpTrigger")) {
    ReadAuthLevel(b, out);
    ReadMethods(b, out);
    ReadRoute(b, out);
  }

  for (const json::key_value_pair* member : b.Unread()) {
    out.extra_json[std::string(member->key())] = json::serialize(member->value());
  }
  return type_ok;
}

}  // namespace

bool IsValidFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 128 || !IsAsciiLetter(name[0])) return false;
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

FunctionConfig ParseFunctionJson(std::string_view text, const std::string& file,
                                 std::vector<ConfigIssue>& errors,
                                 std::vector<ConfigIssue>& warnings) {
  FunctionConfig fn;
  IssueSink sink(file, errors, warnings);
  std::optional<json::value> doc = config_json::ParseDocument(text, sink);
  if (!doc) return fn;
  std::optional<ObjectReader> root = config_json::RootObject(*doc, sink);
  if (!root) return fn;

  if (auto disabled = root->Bool("disabled")) fn.disabled = *disabled;
  // Written by tools or used by language workers; nothing for a custom handler host to do.
  root->Accept(
      {"scriptFile", "entryPoint", "generatedBy", "configurationSource", "retry", "$schema"});

  if (root->Find("bindings") == nullptr) {
    root->Missing("bindings", "an array of bindings with exactly one trigger");
  } else if (const json::array* bindings = root->Array("bindings")) {
    const std::string pointer = root->PointerOf("bindings");
    if (bindings->empty()) {
      sink.Error(pointer, "expected at least one binding (the trigger), got an empty array");
    }
    bool all_types_read = true;
    std::vector<std::size_t> triggers;  // indexes of bindings whose type ends in "Trigger"
    for (std::size_t i = 0; i < bindings->size(); ++i) {
      const std::string item_pointer = PointerJoin(pointer, i);
      const json::object* object = (*bindings)[i].if_object();
      if (object == nullptr) {
        sink.Error(item_pointer, "expected a binding object, got " + Describe((*bindings)[i]));
        all_types_read = false;
        fn.bindings.emplace_back();  // keeps fn.bindings[i] aligned with the array for messages
        continue;
      }
      ObjectReader reader(*object, item_pointer, sink);
      Binding binding;
      all_types_read = ReadBinding(reader, binding) && all_types_read;

      if (!binding.name.empty()) {
        for (std::size_t j = 0; j < fn.bindings.size(); ++j) {
          if (EqualsIgnoreCase(fn.bindings[j].name, binding.name)) {
            sink.Error(reader.PointerOf("name"),
                       fmt::format("binding names must be unique, got {} again (as in {}/{})",
                                   Quote(binding.name), pointer, j));
            break;
          }
        }
      }
      if (config_json::EndsWithIgnoreCase(binding.type, "Trigger")) {
        if (!triggers.empty()) {
          sink.Error(reader.PointerOf("type"),
                     fmt::format("expected exactly one trigger per function, got a second one "
                                 "(the first is {}/{})",
                                 pointer, triggers.front()));
        } else if (!binding.direction.empty() && binding.direction != "in") {
          sink.Error(reader.PointerOf("direction"),
                     fmt::format("expected \"in\" for a trigger, got \"{}\"", binding.direction));
        }
        triggers.push_back(i);
      }
      fn.bindings.push_back(std::move(binding));
    }
    if (triggers.empty() && all_types_read && !bindings->empty()) {
      sink.Error(pointer,
                 "expected exactly one trigger binding (a type ending in \"Trigger\", "
                 "such as \"httpTrigger\"), got none");
    }
  }
  root->WarnUnknown();
  return fn;
}

}  // namespace squall
