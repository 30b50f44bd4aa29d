// Scale groups: the sets of functions whose instances scale together. The flex plan scales per
// function: all HTTP functions as one group "http", all blob triggers as "blob", all Durable
// Functions triggers as "durable", every other function alone as "function:<name>". The other
// plans scale the whole app as one group "app".
#pragma once

#include <string>
#include <string_view>

#include "scale/plan.h"

namespace squall {

inline constexpr std::string_view kAppGroup = "app";
inline constexpr std::string_view kHttpGroup = "http";
inline constexpr std::string_view kBlobGroup = "blob";
inline constexpr std::string_view kDurableGroup = "durable";
inline constexpr std::string_view kFunctionGroupPrefix = "function:";

// Flex grouping by the function.json trigger type (matched ignoring case, as Azure binds types):
// httpTrigger -> "http"; blobTrigger -> "blob"; orchestrationTrigger, activityTrigger,
// entityTrigger -> "durable"; anything else -> "function:<function_name>".
std::string GroupOf(std::string_view trigger_type, std::string_view function_name);

// The group a function scales in under `plan`: GroupOf for flex, "app" for the other plans.
std::string ScaleGroupOf(PlanKind plan, std::string_view trigger_type,
                         std::string_view function_name);

// The group that HTTP load goes to: "http" on flex, "app" elsewhere.
std::string HttpGroupOf(PlanKind plan);

// "http", "blob", "durable" or "function:<non-empty name>".
bool IsFlexGroupName(std::string_view group);

}  // namespace squall
