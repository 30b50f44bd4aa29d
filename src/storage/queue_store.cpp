#include "storage/queue_store.h"

namespace squall {

std::string QueueNameProblem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) {
    return "a queue name has 3 to 63 characters";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return "a queue name has only lower-case letters, digits and '-'";
    }
  }
  if (name.front() == '-' || name.back() == '-') {
    return "a queue name starts and ends with a letter or digit";
  }
  if (name.find("--") != std::string::npos) {
    return "a queue name has no two '-' in a row";
  }
  return "";
}

}  // namespace squall
