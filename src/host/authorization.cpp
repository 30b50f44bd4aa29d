#include "host/invocation_protocol.h"
#include "host/key_store.h"

namespace squall {

std::string KeyFromRequest(const HttpRequest& request) {
  if (const std::string* h = request.FindHeader("x-functions-key")) return *h;
  std::string_view q = request.query();
  if (q.empty()) return {};
  for (auto& [k, v] : ParseQueryString(q)) {
    if (k == "code") return v;
  }
  return {};
}

bool Authorized(AuthLevel level, KeyMatch match) {
  switch (level) {
    case AuthLevel::kAnonymous: return true;
    case AuthLevel::kFunction: return match != KeyMatch::kNone;
    case AuthLevel::kAdmin: return match == KeyMatch::kMaster;
  }
  return false;
}

}  // namespace squall
