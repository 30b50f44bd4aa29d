// Host version names and their order: which installed build is "newest" (what instances run
// when SQUALL_HOST_VERSION is unset). Pure.
#pragma once

#include <string>
#include <string_view>

namespace squall {

// A version name is a plain token: 1..64 of [A-Za-z0-9._+-], starting with a letter or digit.
// It becomes a directory name, an environment value and a metric label. "" when valid, else
// what is wrong.
std::string VersionNameProblem(std::string_view name);

// Semantic-version precedence where names are semantic versions ("1.2.3", "1.2.3-rc.1",
// "2.0.0+local"): numeric parts compared as numbers (missing ones are 0), a pre-release below
// its release, pre-release identifiers numerically or else by text, build metadata last (by
// text, so that no two names are equal). A name that does not start with a number sorts below
// every one that does, by text. <0, 0, >0.
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace squall
