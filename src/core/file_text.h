// Reads a whole file with read(2): also right for /proc and cgroup files, whose size stat()
// reports as 0 or 4096 whatever they hold.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace squall {

// nullopt when the file cannot be opened or a read fails (e.g. the process behind a /proc file
// ended); an empty file is "".
std::optional<std::string> ReadFileText(const std::filesystem::path& path);

}  // namespace squall
