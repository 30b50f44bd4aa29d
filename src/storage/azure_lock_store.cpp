#include "storage/azure_lock_store.h"

#include <openssl/sha.h>

#include <chrono>
#include <cstdio>

#include "storage/azure_error.h"
#include "storage/azure_text.h"

namespace squall {
namespace {

constexpr int kMinLeaseSeconds = 15;
constexpr int kMaxLeaseSeconds = 60;

std::string ContainerPath() { return "/" + std::string(kAzureHostsContainer); }
std::string BlobPath(const std::string& name) {
  return ContainerPath() + "/" + PercentEncode(name, /*keep_slash=*/true);
}
std::string LockPath(const std::string& name) { return BlobPath("locks/" + name); }

// Blob names: 1..1024 characters; ours never start with '/' nor hold control characters.
Status NameStatus(std::string_view what, const std::string& name) {
  if (name.empty() || name.size() > 1000 || name.front() == '/') {
    return InvalidArgument(std::string(what) + " '" + name +
                           "' must be 1..1000 characters and not start with '/'");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
      return InvalidArgument(std::string(what) + " '" + name +
                             "' must not hold control characters or '\\'");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string LeaseIdForOwner(const std::string& owner) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(owner.data()), owner.size(), digest);
  // RFC 9562 version 8 (custom) and variant bits, so it reads as a well-formed UUID.
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(
      out, sizeof(out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
      digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
  return out;
}

AzureLockStore::AzureLockStore(std::unique_ptr<AzureRestClient> client)
    : client_(std::move(client)) {}

template <typename T>
void AzureLockStore::Fail(Callback<T> done, Status error) {
  client_->Post([done = std::move(done), error = std::move(error)] { done(error); });
}

void AzureLockStore::TryAcquire(const std::string& name, const std::string& owner,
                                Duration duration, Callback<StatusOr<bool>> done) {
  if (Status s = NameStatus("lock name", name); !s.ok()) return Fail(std::move(done), s);
  if (owner.empty()) return Fail(std::move(done), InvalidArgument("a lock owner is not empty"));
  auto secs = std::chrono::ceil<std::chrono::seconds>(duration).count();
  if (secs < kMinLeaseSeconds || secs > kMaxLeaseSeconds) {
    return Fail(std::move(done), InvalidArgument("a lock lasts 15 to 60 s (Azure's blob "
                                                 "leases), not " +
                                                 std::to_string(secs) + " s"));
  }
  Acquire(name, LeaseIdForOwner(owner), static_cast<int>(secs), true, std::move(done));
}

void AzureLockStore::Acquire(const std::string& name, const std::string& lease_id, int seconds,
                             bool may_create, Callback<StatusOr<bool>> done) {
  AzureRequest request{"PUT",
                       LockPath(name),
                       {{"comp", "lease"}},
                       {{"x-ms-lease-action", "acquire"},
                        {"x-ms-lease-duration", std::to_string(seconds)},
                        {"x-ms-proposed-lease-id", lease_id}},
                       {}};
  client_->Send(std::move(request), [this, name, lease_id, seconds, may_create,
                                     done = std::move(done)](StatusOr<HttpResponse> r) mutable {
    if (!r.ok()) return done(r.status());
    if (IsSuccess(*r)) return done(true);
    if (r->status == 409 && HasAzureErrorCode(*r, "LeaseAlreadyPresent")) return done(false);
    if (r->status == 404 && may_create) {
      return CreateLockBlob(
          LockPath(name), true,
          [this, name, lease_id, seconds, done = std::move(done)](Status created) mutable {
            if (!created.ok()) return done(created);
            Acquire(name, lease_id, seconds, false, std::move(done));
          });
    }
    done(client_->ErrorStatus(*r, "Lease Blob acquire of lock '" + name + "'"));
  });
}

void AzureLockStore::CreateContainer(Callback<Status> done) {
  client_->Send({"PUT", ContainerPath(), {{"restype", "container"}}, {}, {}},
                [this, done = std::move(done)](StatusOr<HttpResponse> r) {
                  if (!r.ok()) return done(r.status());
                  if (IsSuccess(*r) ||
                      (r->status == 409 && HasAzureErrorCode(*r, "ContainerAlreadyExists"))) {
                    return done(Status::Ok());
                  }
                  done(client_->ErrorStatus(
                      *r, "Create Container '" + std::string(kAzureHostsContainer) + "'"));
                });
}

void AzureLockStore::CreateLockBlob(const std::string& path, bool may_create,
                                    Callback<Status> done) {
  AzureRequest request{
      "PUT", path, {}, {{"x-ms-blob-type", "BlockBlob"}, {"If-None-Match", "*"}}, {}};
  client_->Send(std::move(request), [this, path, may_create,
                                     done = std::move(done)](StatusOr<HttpResponse> r) mutable {
    if (!r.ok()) return done(r.status());
    // Created, or someone else created it first (409 BlobAlreadyExists; 412 when leased).
    if (IsSuccess(*r) || r->status == 409 || r->status == 412) return done(Status::Ok());
    if (r->status == 404 && may_create && HasAzureErrorCode(*r, "ContainerNotFound")) {
      return CreateContainer([this, path, done = std::move(done)](Status created) mutable {
        if (!created.ok()) return done(created);
        CreateLockBlob(path, false, std::move(done));
      });
    }
    done(client_->ErrorStatus(*r, "Put Blob (lock blob)"));
  });
}

void AzureLockStore::Release(const std::string& name, const std::string& owner,
                             Callback<Status> done) {
  if (Status s = NameStatus("lock name", name); !s.ok()) return Fail(std::move(done), s);
  AzureRequest request{
      "PUT",
      LockPath(name),
      {{"comp", "lease"}},
      {{"x-ms-lease-action", "release"}, {"x-ms-lease-id", LeaseIdForOwner(owner)}},
      {}};
  client_->Send(std::move(request), [this, name, done = std::move(done)](StatusOr<HttpResponse> r) {
    if (!r.ok()) return done(r.status());
    // Not held by this owner (another lease, none, or no blob at all): nothing to give up.
    if (IsSuccess(*r) || r->status == 409 || r->status == 404) return done(Status::Ok());
    done(client_->ErrorStatus(*r, "Lease Blob release of lock '" + name + "'"));
  });
}

void AzureLockStore::ReadState(const std::string& key,
                               Callback<StatusOr<std::optional<std::string>>> done) {
  if (Status s = NameStatus("state key", key); !s.ok()) return Fail(std::move(done), s);
  client_->Send({"GET", BlobPath(key), {}, {}, {}},
                [this, key, done = std::move(done)](StatusOr<HttpResponse> r) {
                  if (!r.ok()) return done(r.status());
                  if (r->status == 404) return done(std::optional<std::string>());
                  if (r->status != 200) {
                    return done(client_->ErrorStatus(*r, "Get Blob '" + key + "'"));
                  }
                  done(std::optional<std::string>(std::move(r->body)));
                });
}

void AzureLockStore::WriteState(const std::string& key, std::string value, Callback<Status> done) {
  if (Status s = NameStatus("state key", key); !s.ok()) return Fail(std::move(done), s);
  PutState(key, std::make_shared<const std::string>(std::move(value)), true, std::move(done));
}

void AzureLockStore::PutState(const std::string& key, std::shared_ptr<const std::string> value,
                              bool may_create, Callback<Status> done) {
  AzureRequest request{
      "PUT",
      BlobPath(key),
      {},
      {{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", "application/octet-stream"}},
      *value};
  client_->Send(std::move(request), [this, key, value, may_create,
                                     done = std::move(done)](StatusOr<HttpResponse> r) mutable {
    if (!r.ok()) return done(r.status());
    if (IsSuccess(*r)) return done(Status::Ok());
    if (r->status == 404 && may_create && HasAzureErrorCode(*r, "ContainerNotFound")) {
      return CreateContainer([this, key, value, done = std::move(done)](Status created) mutable {
        if (!created.ok()) return done(created);
        PutState(key, value, false, std::move(done));
      });
    }
    done(client_->ErrorStatus(*r, "Put Blob '" + key + "'"));
  });
}

}  // namespace squall
