// QueueStore over the Azure Queue service REST API (Azure Storage or Azurite), Shared Key
// signed. Times come from the service; `lease_owner` and ReleaseLeases have no Azure
// counterpart (a taken message simply becomes visible again when its visibility timeout ends).
#pragma once

#include <memory>
#include <string>

#include "storage/azure_rest_client.h"
#include "storage/queue_store.h"

namespace squall {

class AzureQueueStore : public QueueStore {
 public:
  explicit AzureQueueStore(std::unique_ptr<AzureRestClient> client);

  std::string Describe() const override;
  void CreateQueue(const std::string& queue, Callback<Status> done) override;
  void Put(const std::string& queue, std::string text, Duration initial_visibility,
           Duration time_to_live, Callback<StatusOr<QueueMessage>> done) override;
  void Get(const std::string& queue, int max_messages, Duration visibility,
           const std::string& lease_owner,
           Callback<StatusOr<std::vector<QueueMessage>>> done) override;
  void Peek(const std::string& queue, int max_messages,
            Callback<StatusOr<std::vector<QueueMessage>>> done) override;
  void Delete(const std::string& queue, const std::string& id, const std::string& pop_receipt,
              Callback<Status> done) override;
  void UpdateVisibility(const std::string& queue, const std::string& id,
                        const std::string& pop_receipt, Duration visibility,
                        Callback<StatusOr<QueueMessage>> done) override;
  void Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) override;
  void Clear(const std::string& queue, Callback<Status> done) override;
  void ReleaseLeases(const std::string& lease_owner,
                     Callback<StatusOr<std::int64_t>> done) override;
  void ListQueues(Callback<StatusOr<std::vector<std::string>>> done) override;

 private:
  // Calls done(error) later on the loop (a store never calls back inline).
  template <typename T>
  void Fail(Callback<T> done, Status error);
  // Put Message; on QueueNotFound creates the queue and tries once more when `may_create`.
  void SendPut(const std::string& queue, std::shared_ptr<const std::string> text,
               AzureRequest request, bool may_create, Callback<StatusOr<QueueMessage>> done);
  // List Queues, one page at a time (NextMarker), then KeepNonEmpty.
  void ListPage(std::string marker, std::shared_ptr<std::vector<std::string>> names,
                Callback<StatusOr<std::vector<std::string>>> done);
  // Of `names`, those whose approximate message count is not 0 (a few Length calls at a time).
  struct Filter;
  void KeepNonEmpty(std::shared_ptr<Filter> filter);
  void CountNext(std::shared_ptr<Filter> filter);

  std::unique_ptr<AzureRestClient> client_;
};

}  // namespace squall
