#include "triggers/trigger_payload.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace squall {

namespace json = boost::json;

namespace {

json::object Sys(const FunctionConfig& fn, WallTime now, std::string_view rand_guid) {
  json::object sys;
  sys["MethodName"] = fn.name;
  sys["UtcNow"] = FormatIso8601(now);
  sys["RandGuid"] = rand_guid;
  return sys;
}

// Objects and arrays become JSON; anything else (numbers too: "007" must stay "007") is text.
json::value TriggerValue(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                             text[i] == '\n')) {
    ++i;
  }
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec) return v;
  }
  return json::string(text);
}

std::string Envelope(const std::string& trigger_name, json::value data, json::object metadata) {
  json::object root;
  json::object d;
  d[trigger_name] = std::move(data);
  root["Data"] = std::move(d);
  root["Metadata"] = std::move(metadata);
  return json::serialize(root);
}

}  // namespace

std::string BuildQueueInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 const QueueMessage& message, std::string_view decoded_text,
                                 WallTime now, std::string_view rand_guid) {
  json::object meta;
  meta["Id"] = message.id;
  meta["DequeueCount"] = message.dequeue_count;
  meta["ExpirationTime"] = FormatIso8601(message.expiration_time);
  meta["InsertionTime"] = FormatIso8601(message.insertion_time);
  meta["NextVisibleTime"] = FormatIso8601(message.next_visible_time);
  meta["PopReceipt"] = message.pop_receipt;
  meta["sys"] = Sys(fn, now, rand_guid);
  return Envelope(trigger_name, TriggerValue(decoded_text), std::move(meta));
}

std::string BuildTimerInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 const TimerInfo& info, WallTime now, std::string_view rand_guid) {
  json::object timer;
  json::object schedule;
  schedule["AdjustForDST"] = info.adjust_for_dst;
  timer["Schedule"] = std::move(schedule);
  json::object status;
  status["Last"] = FormatIso8601(info.last);
  status["Next"] = FormatIso8601(info.next);
  status["LastUpdated"] = FormatIso8601(info.last_updated);
  timer["ScheduleStatus"] = std::move(status);
  timer["IsPastDue"] = info.is_past_due;
  json::object meta;
  meta["sys"] = Sys(fn, now, rand_guid);
  return Envelope(trigger_name, std::move(timer), std::move(meta));
}

std::string BuildAdminInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 std::string_view input, WallTime now,
                                 std::string_view rand_guid) {
  json::object meta;
  meta["sys"] = Sys(fn, now, rand_guid);
  return Envelope(trigger_name, TriggerValue(input), std::move(meta));
}

StatusOr<std::vector<std::string>> OutputMessages(std::string_view response_json,
                                                  const std::string& binding_name) {
  boost::system::error_code ec;
  json::value v = json::parse(response_json, ec);
  if (ec || !v.is_object()) return Internal("the response is not a JSON object");
  const json::object& root = v.get_object();
  const json::value* value = nullptr;
  if (binding_name == "$return") {
    value = root.if_contains("ReturnValue");
  } else if (const json::value* outputs = root.if_contains("Outputs");
             outputs != nullptr && outputs->is_object()) {
    value = outputs->get_object().if_contains(binding_name);
  }
  std::vector<std::string> out;
  auto add = [&](const json::value& item) {
    if (item.is_null()) return;
    out.push_back(item.is_string() ? std::string(item.get_string()) : json::serialize(item));
  };
  if (value == nullptr) return out;
  if (value->is_array()) {
    for (const auto& item : value->get_array()) add(item);
  } else {
    add(*value);
  }
  return out;
}

}  // namespace squall
