#include "triggers/queue_polling.h"

#include <algorithm>

namespace squall {

Duration NextEmptyPollDelay(Duration previous, Duration max_interval, double unit_random) {
  Duration base = previous <= Duration::zero() ? kMinQueuePollInterval : previous * 2;
  base = std::min(base, max_interval);
  double factor = 0.8 + 0.4 * std::clamp(unit_random, 0.0, 1.0);
  auto jittered = std::chrono::duration_cast<Duration>(base * factor);
  return std::clamp(jittered, std::min(kMinQueuePollInterval, max_interval), max_interval);
}

int MessagesToFetch(int in_flight, int batch_size, int new_batch_threshold) {
  int room = batch_size + new_batch_threshold - in_flight;
  return std::clamp(std::min(room, batch_size), 0, 32);
}

}  // namespace squall
