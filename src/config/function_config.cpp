// The questions the host asks of a loaded function: which binding triggers it, of what kind, and
// whether it is plain HTTP in/out (the only shape enableForwardingHttpRequest can serve).
#include "config/app_config.h"
#include "config/json_reader.h"

namespace squall {

using config_json::EqualsIgnoreCase;

const Binding* FunctionConfig::Trigger() const {
  for (const Binding& b : bindings) {
    if (config_json::EndsWithIgnoreCase(b.type, "Trigger")) return &b;
  }
  return nullptr;
}

TriggerKind FunctionConfig::trigger_kind() const {
  const Binding* trigger = Trigger();
  if (trigger == nullptr) return TriggerKind::kOther;
  if (EqualsIgnoreCase(trigger->type, "httpTrigger")) return TriggerKind::kHttp;
  if (EqualsIgnoreCase(trigger->type, "queueTrigger")) return TriggerKind::kQueue;
  if (EqualsIgnoreCase(trigger->type, "timerTrigger")) return TriggerKind::kTimer;
  if (EqualsIgnoreCase(trigger->type, "blobTrigger")) return TriggerKind::kBlob;
  if (EqualsIgnoreCase(trigger->type, "warmupTrigger")) return TriggerKind::kWarmup;
  return TriggerKind::kOther;
}

bool FunctionConfig::IsHttpOnly() const {
  const Binding* trigger = Trigger();
  if (trigger == nullptr || trigger_kind() != TriggerKind::kHttp) return false;
  for (const Binding& b : bindings) {
    if (&b == trigger) continue;
    if (!EqualsIgnoreCase(b.type, "http") || b.direction != "out") return false;
  }
  return true;
}

}  // namespace squall

namespace squall {

int QueuesExtensionConfig::NewBatchThreshold(int cores) const {
  if (new_batch_threshold) return *new_batch_threshold;
  return batch_size / 2 * (cores < 1 ? 1 : cores);
}

}  // namespace squall
