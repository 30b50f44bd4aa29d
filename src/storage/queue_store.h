// The queue seam: Azure Storage Queues' model (visibility timeouts, pop receipts, dequeue
// counts), implemented by SqliteQueueStore (embedded, the default) and AzureQueueStore (the
// Queue REST API, also Azurite). Which one an app gets is decided by its connection string
// (storage_connection.h), never by code.
//
// Every call is asynchronous: it returns at once and `done` runs later on the EventLoop the
// store was made with, exactly once, also on error. A store never blocks the loop (the
// embedded one does its SQLite work on its own thread). Calls may be made from the loop's
// thread only. Destroying the store while calls are pending drops their callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

// Azure's limit on one message (the text as stored, after encoding).
inline constexpr std::size_t kMaxQueueMessageBytes = 64 * 1024;
// Azure's limit on messages per Get/Peek.
inline constexpr int kMaxMessagesPerGet = 32;

struct QueueMessage {
  std::string id;           // unique within the queue
  std::string pop_receipt;  // empty for peeked messages; changes with every Get/Update
  std::string text;         // the message text as stored (already encoded by the writer)
  int dequeue_count = 0;    // how many times Get returned it
  WallTime insertion_time{};
  WallTime expiration_time{};
  WallTime next_visible_time{};
};

class QueueStore {
 public:
  template <typename T>
  using Callback = std::function<void(T)>;

  virtual ~QueueStore() = default;

  // For messages and logs: "embedded storage (/app/.squall/storage.db)",
  // "Azure Storage account 'devstoreaccount1' (http://127.0.0.1:10001)".
  virtual std::string Describe() const = 0;

  // Creates the queue when missing (Azure names: 3-63 lower-case letters, digits, '-').
  virtual void CreateQueue(const std::string& queue, Callback<Status> done) = 0;
  // Appends a message; it becomes visible after `initial_visibility` (0 = at once) and expires
  // after `time_to_live` (Azure's default 7 days). Text over kMaxQueueMessageBytes is refused
  // with kInvalidArgument. Creates the queue when missing.
  virtual void Put(const std::string& queue, std::string text, Duration initial_visibility,
                   Duration time_to_live, Callback<StatusOr<QueueMessage>> done) = 0;
  // Takes up to max_messages (1..32) visible, unexpired messages, oldest first: each becomes
  // invisible for `visibility`, gets a new pop receipt and dequeue_count + 1. `lease_owner`
  // names the instance taking them (the embedded store records it, see ReleaseLeases; Azure
  // has no such notion and ignores it). A missing queue is an empty one.
  virtual void Get(const std::string& queue, int max_messages, Duration visibility,
                   const std::string& lease_owner,
                   Callback<StatusOr<std::vector<QueueMessage>>> done) = 0;
  // Up to max_messages visible messages, without changing them (no pop receipt).
  virtual void Peek(const std::string& queue, int max_messages,
                    Callback<StatusOr<std::vector<QueueMessage>>> done) = 0;
  // Deletes a message taken by Get. kNotFound when the pop receipt is stale (someone else took
  // it since) or the message is gone.
  virtual void Delete(const std::string& queue, const std::string& id,
                      const std::string& pop_receipt, Callback<Status> done) = 0;
  // Makes a taken message invisible for `visibility` from now (0 = visible at once: a release).
  // Returns the message with its new pop receipt and next_visible_time. kNotFound as Delete.
  virtual void UpdateVisibility(const std::string& queue, const std::string& id,
                                const std::string& pop_receipt, Duration visibility,
                                Callback<StatusOr<QueueMessage>> done) = 0;
  // Messages in the queue, visible or not (Azure's approximate message count). 0 when missing.
  virtual void Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) = 0;
  // Deletes every message of the queue.
  virtual void Clear(const std::string& queue, Callback<Status> done) = 0;

  // Embedded only: every message leased by `lease_owner` (an instance that died) becomes
  // visible now. Returns how many. Azure's store returns 0 (its leases just expire).
  virtual void ReleaseLeases(const std::string& lease_owner,
                             Callback<StatusOr<std::int64_t>> done) = 0;
  // Embedded only: ReleaseLeases for every owner that no longer runs (its process is gone),
  // e.g. instances of a platform that was killed. Stores without lease owners answer 0 at
  // once, inline (the one exception to "done runs later": there is nothing to wait for).
  virtual void ReleaseLeasesOfDeadOwners(Callback<StatusOr<std::int64_t>> done) {
    done(std::int64_t{0});
  }
  // Queues that have messages: for `squall queue` and the scale controller's view.
  virtual void ListQueues(Callback<StatusOr<std::vector<std::string>>> done) = 0;
};

}  // namespace squall

namespace squall {

// Azure's queue name rule: 3-63 characters, lower-case letters, digits and '-', starting and
// ending with a letter or digit, no "--". Returns "" when valid, else what is wrong.
std::string QueueNameProblem(const std::string& name);
// The checks every store makes before it does anything, as Status (kInvalidArgument).
Status QueueNameStatus(const std::string& queue);
Status MessageCountStatus(int max_messages);  // 1..kMaxMessagesPerGet

}  // namespace squall
