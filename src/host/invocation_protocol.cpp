#include "host/invocation_protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
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

std::string BuildHttpInvocationRequest(const FunctionConfig& function,
                                       const HttpTriggerData& data, WallTime now,
                                       std::string_view rand_guid) {
  json::object query;
  for (const auto& [k, v] : data.query) {
    // Repeated names are joined with ',' as ASP.NET's query collection does.
    if (auto* existing = query.if_contains(k)) {
      std::string joined(existing->get_string());
      joined += ',';
      joined += v;
      *existing = joined;
    } else {
      query[k] = v;
    }
  }
  // Header names are case-insensitive: "Accept" and "accept" are one entry, as in Azure.
  json::object headers;
  for (const auto& h : data.headers) {
    json::value* slot = nullptr;
    for (auto& kv : headers) {
      if (EqualsIgnoreCase(kv.key(), h.name)) slot = &kv.value();
    }
    if (!slot) slot = &headers.emplace(h.name, json::array()).first->value();
    slot->get_array().emplace_back(h.value);
  }
  json::object params;
  for (const auto& [k, v] : data.params) params[k] = v;

  json::object req;
  req["Url"] = data.url;
  req["Method"] = data.method;
  req["Query"] = query;
  req["Headers"] = headers;
  req["Params"] = params;
  req["Identities"] = json::array();
  req["Body"] = data.body;

  const Binding* trigger = function.Trigger();
  json::object payload_data;
  payload_data[trigger ? trigger->name : "req"] = std::move(req);

  json::object metadata;
  for (const auto& [k, v] : data.params) metadata[k] = v;
  metadata["Query"] = std::move(query);
  metadata["Headers"] = std::move(headers);
  json::object sys;
  sys["MethodName"] = function.name;
  sys["UtcNow"] = FormatIso8601(now);
  sys["RandGuid"] = rand_guid;
  metadata["sys"] = std::move(sys);

  json::object root;
  root["Data"] = std::move(payload_data);
  root["Metadata"] = std::move(metadata);
  return json::serialize(root);
}

StatusOr<HttpResponse> HttpOutputToResponse(std::string_view json_value) {
  boost::system::error_code ec;
  json::value v = json::parse(json_value, ec);
  if (ec) return Internal("http output is not JSON");
  HttpResponse r;
  if (!v.is_object()) {
    // A bare value is the body, as Azure accepts.
    r.body = ScalarToString(v);
    r.headers.push_back({"Content-Type", v.is_string() ? "text/plain; charset=utf-8"
                                                       : "application/json; charset=utf-8"});
    return r;
  }
  auto& o = v.get_object();
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

StatusOr<InvocationOutcome> ParseInvocationResponse(const FunctionConfig& function,
                                                    std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Internal("the response is not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return Internal("the response must be a JSON object");
  auto& root = v.get_object();
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
      auto resp = HttpOutputToResponse(json::serialize(*value));
      if (!resp.ok()) {
        return Internal("http output '" + http->name + "': " + resp.status().message());
      }
      out.http = std::move(*resp);
    }
  }
  return out;
}

}  // namespace squall
