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

Status QueueNameStatus(const std::string& queue) {
  std::string problem = QueueNameProblem(queue);
  if (problem.empty()) return Status::Ok();
  return InvalidArgument("queue name '" + queue + "': " + problem);
}

Status MessageCountStatus(int max_messages) {
  if (max_messages >= 1 && max_messages <= kMaxMessagesPerGet) return Status::Ok();
  return InvalidArgument("max_messages must be 1.." + std::to_string(kMaxMessagesPerGet) +
                         ", not " + std::to_string(max_messages));
}

}  // namespace squall
