// The custom-handler invocation bodies of non-HTTP triggers, as Azure's host sends them:
//   {"Data": {"<trigger>": <value>}, "Metadata": {<trigger metadata>..., "sys": {...}}}
// and the outputs a worker returns for non-HTTP bindings. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"
#include "core/clock.h"
#include "core/status.h"
#include "storage/queue_store.h"

namespace squall {

// The trigger value is the decoded message text, JSON-parsed when it is JSON (objects and
// arrays; a bare word stays a string). Metadata carries Id, DequeueCount, ExpirationTime,
// InsertionTime, NextVisibleTime and PopReceipt, as Azure names them.
std::string BuildQueueInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 const QueueMessage& message, std::string_view decoded_text,
                                 WallTime now, std::string_view rand_guid);

struct TimerInfo {
  WallTime last{};            // previous occurrence (or the epoch when never run)
  WallTime next{};            // the occurrence after this one
  WallTime last_updated{};
  bool is_past_due = false;
  bool adjust_for_dst = true;
};
// {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": {"Last","Next","LastUpdated"},
//  "IsPastDue": bool}
std::string BuildTimerInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 const TimerInfo& info, WallTime now, std::string_view rand_guid);

// Admin runs (POST /admin/functions/{name}): the input as the trigger value.
std::string BuildAdminInvocation(const FunctionConfig& fn, const std::string& trigger_name,
                                 std::string_view input, WallTime now,
                                 std::string_view rand_guid);

// The messages a worker's response sends to one output binding: Outputs[name] (ReturnValue for
// "$return"); null/absent = none; an array = one message per element; a string as is; other
// JSON serialized.
StatusOr<std::vector<std::string>> OutputMessages(std::string_view response_json,
                                                  const std::string& binding_name);

}  // namespace squall
