// Queue output bindings (type "queue", direction "out", "$return" too): what the worker returned
// for each is put on the binding's queue, encoded as host.json messageEncoding says. done runs
// once every message is stored, or with the first error.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/queue_store.h"
#include "triggers/trigger_config.h"

namespace squall {

struct QueueOutputTarget {
  const QueueBindingSpec* spec = nullptr;
  QueueStore* store = nullptr;
};

void WriteQueueOutputs(const std::vector<QueueOutputTarget>& targets,
                       std::string_view response_json, bool base64_encoding,
                       std::function<void(Status)> done);

// What `squall queue put` and output bindings store for a message text: base64 when the app's
// messageEncoding is base64. kInvalidArgument when the stored text would pass Azure's 64 KB.
StatusOr<std::string> EncodeQueueMessage(std::string_view text, bool base64_encoding);

}  // namespace squall
