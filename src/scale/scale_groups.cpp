#include "scale/scale_groups.h"

#include <cctype>

#include "core/ascii.h"

namespace squall {

std::string GroupOf(std::string_view trigger_type, std::string_view function_name) {
  if (EqualsIgnoreCase(trigger_type, "httpTrigger")) return std::string(kHttpGroup);
  if (EqualsIgnoreCase(trigger_type, "blobTrigger")) return std::string(kBlobGroup);
  if (EqualsIgnoreCase(trigger_type, "orchestrationTrigger") ||
      EqualsIgnoreCase(trigger_type, "activityTrigger") ||
      EqualsIgnoreCase(trigger_type, "entityTrigger")) {
    return std::string(kDurableGroup);
  }
  return std::string(kFunctionGroupPrefix) + std::string(function_name);
}

std::string ScaleGroupOf(PlanKind plan, std::string_view trigger_type,
                         std::string_view function_name) {
  if (plan == PlanKind::kFlex) return GroupOf(trigger_type, function_name);
  return std::string(kAppGroup);
}

std::string HttpGroupOf(PlanKind plan) {
  return std::string(plan == PlanKind::kFlex ? kHttpGroup : kAppGroup);
}

bool IsFlexGroupName(std::string_view group) {
  if (group == kHttpGroup || group == kBlobGroup || group == kDurableGroup) return true;
  return group.size() > kFunctionGroupPrefix.size() && group.starts_with(kFunctionGroupPrefix);
}

}  // namespace squall
