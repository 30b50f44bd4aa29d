// A timer schedule written as a .NET TimeSpan ("00:05:00"): a fixed interval between invocations.
// Read as TimeSpan.TryParse reads it on Azure (en-US), including its surprise that hh >= 24 in
// "hh:mm:ss" is not hours but d:hh:mm, so "24:00:00" is 24 days (use "1.00:00:00" for a day).
#pragma once

#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

// Accepts "d", "hh:mm", "hh:mm:ss", "d.hh:mm", "d:hh:mm", "d.hh:mm:ss", "d:hh:mm:ss", each with an
// optional ".fffffff" after the seconds; hours 0-23, minutes and seconds 0-59; leading and
// trailing spaces. The interval must be positive (zero would fire in a loop).
StatusOr<Duration> ParseScheduleTimeSpan(std::string_view text);

// .NET's constant format, as Azure prints a ConstantSchedule: "00:05:00", "1.00:00:00".
std::string FormatTimeSpan(Duration d);

}  // namespace squall
