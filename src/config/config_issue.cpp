#include "config/app_config.h"

namespace squall {

std::string ConfigIssue::ToString() const {
  std::string out = file;
  if (!pointer.empty()) out += ": " + pointer;
  out += ": " + message;
  return out;
}

const char* AuthLevelName(AuthLevel level) {
  switch (level) {
    case AuthLevel::kAnonymous: return "anonymous";
    case AuthLevel::kFunction: return "function";
    case AuthLevel::kAdmin: return "admin";
  }
  return "function";
}

}  // namespace squall
