// Azure's target-based scaler for queue triggers: each instance is expected to work on
// batchSize + newBatchThreshold messages at once, so a queue of length L wants
// ceil(L / (batchSize + newBatchThreshold)) instances. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "scale/scale_policy.h"

namespace squall {

int QueueDesiredInstances(std::int64_t length, int batch_size, int new_batch_threshold);

// The TriggerTarget of one queue function; the reason names the queue and its length.
TriggerTarget QueueTriggerTarget(const std::string& function, const std::string& queue,
                                 std::int64_t length, int batch_size, int new_batch_threshold);

}  // namespace squall
