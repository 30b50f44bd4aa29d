// Azure on Windows names time zones by Windows id ("Eastern Standard Time"); tzdata has IANA ids.
// The mapping is CLDR's windowsZones.xml (territory 001) for the commonly used zones.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace squall {

// The IANA id for a Windows time zone id (case-insensitive), or nullopt when not in the table.
std::optional<std::string_view> IanaFromWindowsZone(std::string_view windows_id);

// Every Windows id in the table, for tests and for listing in errors.
std::size_t WindowsZoneCount();
std::string_view WindowsZoneAt(std::size_t i);

}  // namespace squall
