#include "triggers/queue_output_writer.h"

#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "core/base64.h"
#include "triggers/trigger_payload.h"

namespace squall {

StatusOr<std::string> EncodeQueueMessage(std::string_view text, bool base64_encoding) {
  std::string stored = base64_encoding ? Base64Encode(text) : std::string(text);
  if (stored.size() > kMaxQueueMessageBytes) {
    return InvalidArgument(fmt::format(
        "the message is {} bytes{} and a queue message may have at most {} bytes (64 KB, "
        "Azure's limit)",
        stored.size(), base64_encoding ? " once base64-encoded" : "", kMaxQueueMessageBytes));
  }
  return stored;
}

void WriteQueueOutputs(const std::vector<QueueOutputTarget>& targets,
                       std::string_view response_json, bool base64_encoding,
                       std::function<void(Status)> done) {
  struct Put {
    QueueStore* store;
    std::string queue;
    std::string text;
  };
  std::vector<Put> puts;
  for (const auto& t : targets) {
    auto messages = OutputMessages(response_json, t.spec->binding_name);
    if (!messages.ok()) return done(messages.status());
    for (auto& m : *messages) {
      auto encoded = EncodeQueueMessage(m, base64_encoding);
      if (!encoded.ok()) {
        return done(InvalidArgument(fmt::format("output '{}' to queue '{}': {}",
                                                t.spec->binding_name, t.spec->queue,
                                                encoded.status().message())));
      }
      puts.push_back({t.store, t.spec->queue, std::move(*encoded)});
    }
  }
  if (puts.empty()) return done(Status::Ok());
  struct State {
    std::mutex mu;
    std::size_t left;
    Status first_error;
    std::function<void(Status)> done;
  };
  auto state = std::make_shared<State>();
  state->left = puts.size();
  state->done = std::move(done);
  for (auto& p : puts) {
    std::string queue = p.queue;
    p.store->Put(p.queue, std::move(p.text), Duration::zero(), std::chrono::hours(24 * 7),
                 [state, queue](StatusOr<QueueMessage> put) {
                   std::function<void(Status)> finish;
                   Status result;
                   {
                     std::lock_guard lock(state->mu);
                     if (!put.ok() && state->first_error.ok()) {
                       state->first_error = Status(put.status().code(),
                                                   "queue '" + queue + "': " +
                                                       put.status().message());
                     }
                     if (--state->left == 0) {
                       finish = std::move(state->done);
                       result = state->first_error;
                     }
                   }
                   if (finish) finish(result);
                 });
  }
}

}  // namespace squall
