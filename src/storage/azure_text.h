// The small text formats the Azure Storage REST API speaks: RFC 1123 dates, XML text content and
// percent-encoded URL parts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace squall {

// "Wed, 01 Jan 2025 00:00:00 GMT" (whole seconds, truncated).
std::string FormatRfc1123(WallTime t);
// The inverse; also takes a missing weekday. nullopt when malformed.
std::optional<WallTime> ParseRfc1123(std::string_view text);

// For element content: & < > " ' and CR (which an XML parser would turn into LF) escaped.
std::string XmlEscape(std::string_view text);
// "" when `text` can be sent in an XML body; else what is wrong with it (XML 1.0 forbids most
// control characters, so Azure would refuse the whole request).
std::string XmlTextProblem(std::string_view text);

// RFC 3986: everything but unreserved characters (and '/' when keep_slash) as %XX.
std::string PercentEncode(std::string_view text, bool keep_slash = false);
// %XX -> byte ('+' stays '+'). Malformed escapes are kept as they are.
std::string PercentDecode(std::string_view text);

}  // namespace squall
