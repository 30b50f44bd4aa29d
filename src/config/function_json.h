// Internal to squall: one <Function>/function.json text -> FunctionConfig, with every problem
// reported against `file`. Pure (no file system), shared by the loader, tests and fuzz target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"

namespace squall {

// Parses and validates function.json. Errors and warnings are appended. The result's bindings
// and `disabled` come from the text; `name` and `dir` are left for the caller (they come from
// the folder). Only meaningful when no error was added.
FunctionConfig ParseFunctionJson(std::string_view text, const std::string& file,
                                 std::vector<ConfigIssue>& errors,
                                 std::vector<ConfigIssue>& warnings);

// Azure's rule for function (folder) names: a letter, then up to 127 letters, digits, '_', '-'.
bool IsValidFunctionName(std::string_view name);

}  // namespace squall
