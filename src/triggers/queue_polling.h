// How a queue listener paces itself, as Azure's queue trigger does. Pure functions.
//
// - Empty poll: wait, starting at 100 ms and doubling up to maxPollingInterval, randomised by
//   +-20 % so many listeners do not poll in step (Azure's randomized exponential back-off).
// - A poll that found messages resets the wait: the next poll comes as soon as there is room.
// - Room: a new batch is fetched once the messages in flight drop to newBatchThreshold, so at
//   most batchSize + newBatchThreshold run at once per function and instance.
#pragma once

#include "core/clock.h"

namespace squall {

inline constexpr Duration kMinQueuePollInterval = std::chrono::milliseconds(100);

// The wait after an empty poll. `previous` is the last wait (zero after messages were found);
// `unit_random` is uniform in [0, 1).
Duration NextEmptyPollDelay(Duration previous, Duration max_interval, double unit_random);

// Whether a new batch may be fetched with `in_flight` messages running.
inline bool HasRoomForBatch(int in_flight, int new_batch_threshold) {
  return in_flight <= new_batch_threshold;
}

// How many messages the next Get asks for: batchSize, but never past the cap of
// batchSize + newBatchThreshold in flight, and at most 32 (Azure's limit per Get).
int MessagesToFetch(int in_flight, int batch_size, int new_batch_threshold);

}  // namespace squall
