// local.settings.json: the app settings a developer runs with locally. "Values" becomes the
// worker's environment, so every value must be a string, as in Azure Functions Core Tools.
#include "config/local_settings.h"

#include <fmt/format.h>

#include <boost/json/value.hpp>
#include <optional>

#include "config/json_reader.h"

namespace squall {

namespace {

namespace json = boost::json;
using config_json::Describe;
using config_json::IssueSink;
using config_json::ObjectReader;
using config_json::PointerJoin;

void ReadValues(ObjectReader& values, LocalSettings& out) {
  for (const json::key_value_pair* member : values.Unread()) {
    const std::string pointer = PointerJoin(values.pointer(), member->key());
    const std::string_view key = member->key();
    // setenv() rejects these, so the worker could never see the setting.
    if (key.empty() || key.find('=') != std::string_view::npos ||
        key.find('\0') != std::string_view::npos) {
      values.sink().Error(pointer, fmt::format("expected an environment variable name (not "
                                               "empty, without '=' or NUL), got {}",
                                               config_json::Quote(key)));
      continue;
    }
    const json::string* s = member->value().if_string();
    if (s == nullptr) {
      values.sink().Error(pointer,
                          "expected a string (write numbers and booleans in quotes), "
                          "got " +
                              Describe(member->value()));
      continue;
    }
    std::string value(s->data(), s->size());
    if (value.find('\0') != std::string::npos) {
      values.sink().Error(pointer,
                          "expected a string without NUL characters (it becomes an "
                          "environment variable)");
      continue;
    }
    out.values[std::string(key)] = std::move(value);
  }
}

void ReadHost(ObjectReader& host, LocalSettings& out) {
  if (const json::value* v = host.Find("LocalHttpPort")) {
    const std::string pointer = host.PointerOf("LocalHttpPort");
    if (auto port = config_json::AsInt(*v, pointer, host.sink())) {
      if (*port >= 1 && *port <= 65535) {
        out.local_http_port = static_cast<int>(*port);
      } else {
        host.sink().Error(pointer, "expected a port number from 1 to 65535, got " + Describe(*v));
      }
    }
  }
  host.Accept({"CORS", "CORSCredentials"});
  host.WarnUnknown();
}

}  // namespace

LocalSettings ParseLocalSettings(std::string_view text, const std::string& file,
                                 std::vector<ConfigIssue>& errors,
                                 std::vector<ConfigIssue>& warnings) {
  LocalSettings settings;
  IssueSink sink(file, errors, warnings);
  std::optional<json::value> doc = config_json::ParseDocument(text, sink);
  if (!doc) return settings;
  std::optional<ObjectReader> root = config_json::RootObject(*doc, sink);
  if (!root) return settings;

  if (auto encrypted = root->Bool("IsEncrypted"); encrypted && *encrypted) {
    sink.Error(root->PointerOf("IsEncrypted"),
               "expected false, got true: encrypted settings are not supported (decrypt them "
               "with \"func settings decrypt\")");
  }
  if (auto values = root->Object("Values")) ReadValues(*values, settings);
  if (auto host = root->Object("Host")) ReadHost(*host, settings);
  root->Accept({"ConnectionStrings"});
  root->WarnUnknown();
  return settings;
}

}  // namespace squall
