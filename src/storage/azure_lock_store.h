// LockStore over the Azure Blob service, as Azure's functions host does it: a lock is a lease
// on the empty block blob "locks/<name>" in the container "azure-webjobs-hosts", a state record
// is the block blob "<key>" there. Missing container and blobs are created on first use.
#pragma once

#include <memory>
#include <string>

#include "storage/azure_rest_client.h"
#include "storage/lock_store.h"

namespace squall {

inline constexpr std::string_view kAzureHostsContainer = "azure-webjobs-hosts";

// The lease id an owner proposes: the first 16 bytes of SHA-256(owner) as a UUID, so the same
// owner asking again renews its own lease instead of being refused.
std::string LeaseIdForOwner(const std::string& owner);

class AzureLockStore : public LockStore {
 public:
  explicit AzureLockStore(std::unique_ptr<AzureRestClient> client);

  void TryAcquire(const std::string& name, const std::string& owner, Duration duration,
                  Callback<StatusOr<bool>> done) override;
  void Release(const std::string& name, const std::string& owner, Callback<Status> done) override;
  void ReadState(const std::string& key,
                 Callback<StatusOr<std::optional<std::string>>> done) override;
  void WriteState(const std::string& key, std::string value, Callback<Status> done) override;

  std::string Describe() const { return client_->Describe(); }

 private:
  template <typename T>
  void Fail(Callback<T> done, Status error);
  // Lease Blob acquire; what is missing is created first (each at most once).
  void Acquire(const std::string& name, const std::string& lease_id, int seconds, bool may_create,
               Callback<StatusOr<bool>> done);
  void CreateContainer(Callback<Status> done);
  // Put Blob of an empty lock blob unless one exists already (and the container when missing).
  void CreateLockBlob(const std::string& path, bool may_create, Callback<Status> done);
  void PutState(const std::string& key, std::shared_ptr<const std::string> value, bool may_create,
                Callback<Status> done);

  std::unique_ptr<AzureRestClient> client_;
};

}  // namespace squall
