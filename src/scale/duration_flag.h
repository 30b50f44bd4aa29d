// Durations as people type them on the command line ("500ms", "60s", "5m", "1h", "1m30s",
// "1.5s") and as the scale policy writes them in its reasons.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

// One or more <number><unit> parts, unit one of ms, s, m, h; the number may have a fraction
// ("0.5s"). "0" alone is zero. No sign, no spaces inside, no bare numbers: "5" is an error
// because it is ambiguous. The message names `flag` when given ("--idle-timeout: ...").
StatusOr<Duration> ParseDurationFlag(std::string_view text, std::string_view flag = {});

// Short text that ParseDurationFlag reads back (exact to the millisecond; finer parts are
// dropped): whole hours "1h", whole minutes from 2 minutes up "5m" / "90m", whole seconds "60s",
// below a second "500ms", else seconds with decimals "1.5s"; zero is "0s".
std::string FormatDurationFlag(Duration d);

// Seconds with up to three decimals, for "in +0.4s" style reasons: 0.4s, 29s, 1.25s.
std::string FormatSeconds(Duration d);

}  // namespace squall
