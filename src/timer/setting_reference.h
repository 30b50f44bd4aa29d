// %Name% references in a binding property (a timer's "schedule": "%ScheduleAppSetting%"),
// resolved from app settings as Azure's ResolveWholeString does: every %Name% in the text is
// replaced by the setting's value (names match regardless of case, as .NET configuration does;
// an exact match wins); values are not resolved again.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace squall {

// Errors (InvalidArgument): a '%' without its closing '%' (with its position), a name that no
// setting has, an empty name ("%%").
StatusOr<std::string> ResolveSettingReference(std::string_view text,
                                              const std::map<std::string, std::string>& settings);

}  // namespace squall
