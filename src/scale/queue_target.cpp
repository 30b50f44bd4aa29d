#include "scale/queue_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace squall {

int QueueDesiredInstances(std::int64_t length, int batch_size, int new_batch_threshold) {
  if (length <= 0) return 0;
  std::int64_t per_instance = std::max(1, batch_size + new_batch_threshold);
  std::int64_t wanted = (length + per_instance - 1) / per_instance;
  return static_cast<int>(std::min<std::int64_t>(wanted, std::numeric_limits<int>::max()));
}

TriggerTarget QueueTriggerTarget(const std::string& function, const std::string& queue,
                                 std::int64_t length, int batch_size, int new_batch_threshold) {
  TriggerTarget t;
  t.function = function;
  t.trigger_type = "queueTrigger";
  t.desired = QueueDesiredInstances(length, batch_size, new_batch_threshold);
  t.reason = fmt::format("queue '{}' length {} (target {} per instance)", queue, length,
                         batch_size + new_batch_threshold);
  return t;
}

}  // namespace squall
