#include "host/invocation_protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <cstdlib>

namespace squall {

namespace json = boost::json;

namespace {

std::string Decode(std::string_view s) {
  std::string tmp(s);
  for (char& c : tmp)
    if (c == '+') c = ' ';
  std::string out;
  out.reserve(tmp.size());
  for (std::size_t i = 0; i < tmp.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (tmp[i] == '%' && i + 2 < tmp.size() && hex(tmp[i + 1]) >= 0 && hex(tmp[i + 2]) >= 0) {
      out += static_cast<char>(hex(tmp[i + 1]) * 16 + hex(tmp[i + 2]));
      i += 2;
    } else {
      out += tmp[i];  // invalid escapes are kept as written
    }
  }
  return out;
}

const Binding* HttpOutput(const FunctionConfig& function) {
  for (const auto& b : function.bindings) {
    if (EqualsIgnoreCase(b.type, "http") && b.direction == "out") return &b;
  }
  return nullptr;
}

std::string ScalarToString(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(Decode(part), "");
    } else {
      out.emplace_back(Decode(part.substr(0, eq)), Decode(part.substr(eq + 1)));
    }
  }
  return out;
}

namespace {

// JSON string escaping per RFC 8259 (bytes >= 0x80 pass through: the input is UTF-8 or opaque).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void AppendKey(std::string& out, std::string_view key) {
  AppendJsonString(out, key);
  out += ':';
}

// {"name":"value",...}; repeated names were already joined by the caller.
void AppendStringMap(std::string& out,
                     const std::vector<std::pair<std::string_view, std::string>>& entries) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : entries) {
    if (!first) out += ',';
    first = false;
    AppendKey(out, k);
    AppendJsonString(out, v);
  }
  out += '}';
}

}  // namespace

std::string BuildHttpInvocationRequest(const FunctionConfig& function,
                                       const HttpTriggerData& data, WallTime now,
                                       std::string_view rand_guid) {
  // Written directly rather than through a JSON tree: this runs once per invocation.
  // Repeated query names are joined with ',' as ASP.NET's query collection does.
  std::vector<std::pair<std::string_view, std::string>> query;
  for (const auto& [k, v] : data.query) {
    auto it = std::find_if(query.begin(), query.end(), [&](const auto& e) { return e.first == k; });
    if (it == query.end()) {
      query.emplace_back(k, v);
    } else {
      it->second += ',';
      it->second += v;
    }
  }
  // Header names are case-insensitive: "Accept" and "accept" are one entry, as in Azure.
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> headers;
  for (const auto& h : data.headers) {
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& e) { return EqualsIgnoreCase(e.first, h.name); });
    if (it == headers.end()) {
      headers.push_back({h.name, {h.value}});
    } else {
      it->second.push_back(h.value);
    }
  }
  std::string query_json;
  AppendStringMap(query_json, query);
  std::string headers_json = "{";
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i) headers_json += ',';
    AppendKey(headers_json, headers[i].first);
    headers_json += '[';
    for (std::size_t j = 0; j < headers[i].second.size(); ++j) {
      if (j) headers_json += ',';
      AppendJsonString(headers_json, headers[i].second[j]);
    }
    headers_json += ']';
  }
  headers_json += '}';

  std::string out;
  out.reserve(256 + data.url.size() + data.body.size() + 2 * (query_json.size() + headers_json.size()));
  const Binding* trigger = function.Trigger();
  out += "{\"Data\":{";
  AppendKey(out, trigger ? trigger->name : "req");
  out += "{\"Url\":";
  AppendJsonString(out, data.url);
  out += ",\"Method\":";
  AppendJsonString(out, data.method);
  out += ",\"Query\":";
  out += query_json;
  out += ",\"Headers\":";
  out += headers_json;
  out += ",\"Params\":{";
  bool first = true;
  for (const auto& [k, v] : data.params) {
    if (!first) out += ',';
    first = false;
    AppendKey(out, k);
    AppendJsonString(out, v);
  }
  out += "},\"Identities\":[],\"Body\":";
  AppendJsonString(out, data.body);
  out += "}},\"Metadata\":{";
  // Route parameters are metadata too, except names that would hide Query, Headers or sys.
  for (const auto& [k, v] : data.params) {
    if (k == "Query" || k == "Headers" || k == "sys") continue;
    AppendKey(out, k);
    AppendJsonString(out, v);
    out += ',';
  }
  out += "\"Query\":";
  out += query_json;
  out += ",\"Headers\":";
  out += headers_json;
  out += ",\"sys\":{\"MethodName\":";
  AppendJsonString(out, function.name);
  out += ",\"UtcNow\":";
  AppendJsonString(out, FormatIso8601(now));
  out += ",\"RandGuid\":";
  AppendJsonString(out, rand_guid);
  out += "}}}";
  return out;
}

namespace {

StatusOr<HttpResponse> HttpOutputFromValue(const json::value& v) {
  HttpResponse r;
  if (!v.is_object()) {
    // A bare value is the body, as Azure accepts.
    r.body = ScalarToString(v);
    r.headers.push_back({"Content-Type", v.is_string() ? "text/plain; charset=utf-8"
                                                       : "application/json; charset=utf-8"});
    return r;
  }
  const auto& o = v.get_object();
  const json::value* status = o.if_contains("statusCode");
  if (!status) status = o.if_contains("status");
  if (status && !status->is_null()) {
    long code = -1;
    if (status->is_int64()) {
      code = static_cast<long>(status->get_int64());
    } else if (status->is_uint64()) {
      code = static_cast<long>(status->get_uint64());
    } else if (status->is_string()) {
      std::string s(status->get_string());
      char* end = nullptr;
      code = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0') code = -1;
    }
    if (code < 100 || code > 999) {
      return Internal("statusCode must be an HTTP status (100-999), got " +
                      json::serialize(*status));
    }
    r.status = static_cast<int>(code);
  }
  bool has_content_type = false;
  if (const json::value* headers = o.if_contains("headers"); headers && !headers->is_null()) {
    if (!headers->is_object()) return Internal("headers must be an object");
    for (const auto& [k, hv] : headers->get_object()) {
      if (EqualsIgnoreCase(k, "Content-Type")) has_content_type = true;
      if (hv.is_array()) {
        for (const auto& item : hv.get_array()) r.headers.push_back({std::string(k), ScalarToString(item)});
      } else if (!hv.is_null()) {
        r.headers.push_back({std::string(k), ScalarToString(hv)});
      }
    }
  }
  if (const json::value* body = o.if_contains("body"); body && !body->is_null()) {
    r.body = ScalarToString(*body);
    if (!has_content_type) {
      r.headers.push_back({"Content-Type", body->is_string() ? "text/plain; charset=utf-8"
                                                             : "application/json; charset=utf-8"});
    }
  }
  return r;
}

}  // namespace

StatusOr<HttpResponse> HttpOutputToResponse(std::string_view json_value) {
  boost::system::error_code ec;
  json::value v = json::parse(json_value, ec);
  if (ec) return Internal("http output is not JSON");
  return HttpOutputFromValue(v);
}

StatusOr<InvocationOutcome> ParseInvocationResponse(const FunctionConfig& function,
                                                    std::string_view body) {
  // Small responses parse into a stack arena: no heap allocation for the JSON tree.
  unsigned char arena[4096];
  json::monotonic_resource resource(arena, sizeof(arena));
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, &resource);
  if (ec) return Internal("the response is not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return Internal("the response must be a JSON object");
  const auto& root = v.get_object();
  InvocationOutcome out;
  if (const json::value* logs = root.if_contains("Logs"); logs && !logs->is_null()) {
    if (!logs->is_array()) return Internal("\"Logs\" must be an array");
    for (const auto& line : logs->get_array()) out.logs.push_back(ScalarToString(line));
  }
  const json::value* outputs = root.if_contains("Outputs");
  if (outputs && !outputs->is_null() && !outputs->is_object()) {
    return Internal("\"Outputs\" must be an object");
  }
  if (const Binding* http = HttpOutput(function)) {
    const json::value* value = nullptr;
    if (http->name == "$return") {
      value = root.if_contains("ReturnValue");
    } else if (outputs && outputs->is_object()) {
      value = outputs->get_object().if_contains(http->name);
    }
    if (!value || value->is_null()) {
      out.http = HttpResponse{204, {}, {}};
    } else {
      auto resp = HttpOutputFromValue(*value);
      if (!resp.ok()) {
        return Internal("http output '" + http->name + "': " + resp.status().message());
      }
      out.http = std::move(*resp);
    }
  }
  return out;
}

}  // namespace squall
