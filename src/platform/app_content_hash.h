// The app's content hash: what memory samples are tagged with besides the host version, so that
// a step in memory is blamed on the right change (the host, or the app).
//
// What is hashed: every file under the app folder — host.json, each function.json, and the
// worker's files (its executable, scripts, modules) — by relative path and content, in path
// order. Left out: local.settings.json (settings, and it holds SQUALL_HOST_VERSION: pinning
// back must not look like a content change), names starting with '.' (.squall state, .git,
// editors' folders), __pycache__ and *.pyc (written by the worker itself). Contents up to 64 MiB
// in total are read; beyond that, files count by path, size and modification time only.
#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"

namespace squall {

// 12 hex digits of a SHA-256 over the files above. Errors when app_dir cannot be listed.
StatusOr<std::string> AppContentHash(const std::filesystem::path& app_dir,
                                     std::uintmax_t content_budget = std::uintmax_t{64} << 20);

}  // namespace squall
