// ASCII-only text helpers for protocol and config names (header names, function names, keys):
// these compare the way HTTP and .NET's configuration binder do, never by locale.
#pragma once

#include <string_view>

namespace squall {

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace squall
