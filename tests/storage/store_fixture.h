// The behavioural contract of QueueStore and LockStore, run against every backend in
// StoreBackends(): the embedded SQLite store, and any other backend added to the list (one
// line). The tests use only the interfaces.
//
// Time: a backend on the SimulatedClock (simulated_time) lets tests move time at will. A
// backend on its own real clock (Azurite) sets simulated_time = false; tests that compare
// timestamps with the clock are skipped for it, and tests that need time to pass run only if
// it provides advance_real_time (short, real waits: visibilities of 1-2 s), else are skipped.
// Unit tests never block on sleeping, as scripts/check-clock.sh enforces: such a hook waits on
// the loop.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "azurite.h"
#include "core/asio_context.h"
#include "core/event_loop.h"
#include "core/random.h"
#include "core/real_clock.h"
#include "core/simulated_clock.h"
#include "core/status.h"
#include "storage/azure_storage.h"
#include "storage/lock_store.h"
#include "storage/queue_store.h"
#include "storage/sqlite_storage.h"

namespace squall::testing {

// Runs `loop` on this thread until Stop() (restarting it first if an earlier run stopped it).
inline void RunUntilStopped(EventLoop& loop) {
  AsioContext(loop).restart();
  loop.Run(1);
}

// Starts a call with a callback, runs the loop until that callback has run, returns its
// argument. Bounded by the test's timeout (every store answers every call, also on error).
template <typename T>
T Await(EventLoop& loop, const std::function<void(std::function<void(T)>)>& start) {
  std::optional<T> result;
  start([&](T value) {
    result.emplace(std::move(value));
    loop.Stop();
  });
  while (!result) RunUntilStopped(loop);
  return std::move(*result);
}

// Synchronous wrappers over the asynchronous interfaces, for tests.
class SyncQueue {
 public:
  SyncQueue(EventLoop& loop, QueueStore& store) : loop_(loop), store_(store) {}
  QueueStore& store() { return store_; }

  Status Create(const std::string& q) {
    return Await<Status>(loop_, [&](auto done) { store_.CreateQueue(q, done); });
  }
  StatusOr<QueueMessage> Put(const std::string& q, std::string text,
                             Duration visibility = Duration::zero(),
                             Duration ttl = Duration::zero()) {
    return Await<StatusOr<QueueMessage>>(
        loop_, [&](auto done) { store_.Put(q, std::move(text), visibility, ttl, done); });
  }
  StatusOr<std::vector<QueueMessage>> Get(const std::string& q, int n, Duration visibility,
                                          const std::string& owner = "owner-a") {
    return Await<StatusOr<std::vector<QueueMessage>>>(
        loop_, [&](auto done) { store_.Get(q, n, visibility, owner, done); });
  }
  StatusOr<std::vector<QueueMessage>> Peek(const std::string& q, int n) {
    return Await<StatusOr<std::vector<QueueMessage>>>(loop_,
                                                      [&](auto done) { store_.Peek(q, n, done); });
  }
  Status Delete(const std::string& q, const QueueMessage& m) {
    return Await<Status>(loop_, [&](auto done) { store_.Delete(q, m.id, m.pop_receipt, done); });
  }
  StatusOr<QueueMessage> Update(const std::string& q, const QueueMessage& m, Duration visibility) {
    return Await<StatusOr<QueueMessage>>(loop_, [&](auto done) {
      store_.UpdateVisibility(q, m.id, m.pop_receipt, visibility, done);
    });
  }
  StatusOr<std::int64_t> Length(const std::string& q) {
    return Await<StatusOr<std::int64_t>>(loop_, [&](auto done) { store_.Length(q, done); });
  }
  Status Clear(const std::string& q) {
    return Await<Status>(loop_, [&](auto done) { store_.Clear(q, done); });
  }
  StatusOr<std::int64_t> ReleaseLeases(const std::string& owner) {
    return Await<StatusOr<std::int64_t>>(loop_,
                                         [&](auto done) { store_.ReleaseLeases(owner, done); });
  }
  StatusOr<std::vector<std::string>> List() {
    return Await<StatusOr<std::vector<std::string>>>(loop_,
                                                     [&](auto done) { store_.ListQueues(done); });
  }

 private:
  EventLoop& loop_;
  QueueStore& store_;
};

class SyncLocks {
 public:
  SyncLocks(EventLoop& loop, LockStore& store) : loop_(loop), store_(store) {}

  StatusOr<bool> TryAcquire(const std::string& name, const std::string& owner, Duration d) {
    return Await<StatusOr<bool>>(loop_,
                                 [&](auto done) { store_.TryAcquire(name, owner, d, done); });
  }
  Status Release(const std::string& name, const std::string& owner) {
    return Await<Status>(loop_, [&](auto done) { store_.Release(name, owner, done); });
  }
  StatusOr<std::optional<std::string>> Read(const std::string& key) {
    return Await<StatusOr<std::optional<std::string>>>(
        loop_, [&](auto done) { store_.ReadState(key, done); });
  }
  Status Write(const std::string& key, std::string value) {
    return Await<Status>(loop_, [&](auto done) { store_.WriteState(key, std::move(value), done); });
  }

 private:
  EventLoop& loop_;
  LockStore& store_;
};

// What a backend factory gets: the loop to call back on, the clock to read (when it reads
// one) and a fresh folder of its own.
struct BackendEnv {
  EventLoop& loop;
  SimulatedClock& clock;
  std::filesystem::path dir;
};

struct OpenedStores {
  std::unique_ptr<QueueStore> queues;
  std::unique_ptr<LockStore> locks;
  std::shared_ptr<void> keep_alive;  // whatever the stores need to outlive them (an emulator)
};

struct StoreBackend {
  std::string name;  // the test-name suffix: letters and digits
  // true: the stores read the SimulatedClock of BackendEnv, so Advance moves their time.
  bool simulated_time = true;
  // For a real-time backend: lets `d` pass for real (waiting on the loop). Unset: the tests
  // that need time to pass are skipped for that backend.
  std::function<void(EventLoop&, Duration)> advance_real_time;
  std::function<StatusOr<OpenedStores>(const BackendEnv&)> open;
};

inline StoreBackend EmbeddedBackend() {
  return {"Embedded", true, nullptr, [](const BackendEnv& env) -> StatusOr<OpenedStores> {
            auto storage =
                OpenSqliteStorage(env.dir / ".squall" / "storage.db", env.loop, env.clock);
            if (!storage.ok()) return storage.status();
            return OpenedStores{std::move(storage->queues), std::move(storage->locks), nullptr};
          }};
}

// Azure Storage's REST API on Azurite (azurite.h): one instance per test process, shared by
// its tests (names are unique). Azurite keeps its own real time; waits are real, on the loop.
// `sas`: authorized by an account SAS instead of Shared Key, reached as localhost.
inline StoreBackend AzuriteBackend(bool sas = false) {
  StoreBackend backend;
  backend.name = sas ? "AzuriteSas" : "Azurite";
  backend.simulated_time = false;
  backend.advance_real_time = [](EventLoop& loop, Duration d) {
    auto clock = MakeRealClock(loop);
    bool passed = false;
    clock->Schedule(d, [&] {
      passed = true;
      loop.Stop();
    });
    while (!passed) RunUntilStopped(loop);
  };
  backend.open = [sas](const BackendEnv& env) -> StatusOr<OpenedStores> {
    static std::shared_ptr<Azurite> shared;
    if (!shared) {
      auto started = Azurite::Start();
      if (!started.ok()) return started.status();
      shared = std::move(*started);
    }
    // The simulated clock only stamps x-ms-date (Azurite does not check it) and the deadlines.
    auto storage = OpenAzureStorage(sas ? shared->SasConnection() : shared->Connection(),
                                    env.loop, env.clock);
    if (!storage.ok()) return storage.status();
    return OpenedStores{std::move(storage->queues), std::move(storage->locks), shared};
  };
  return backend;
}

// Every backend the contract runs against. Adding one is one line here.
inline std::vector<StoreBackend> StoreBackends() {
  return {
      EmbeddedBackend(),
      AzuriteBackend(),
      AzuriteBackend(/*sas=*/true),
  };
}

// A fresh folder under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "squall-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(BackendEnv{loop_, clock_, dir_.path()});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    stores_ = std::move(*opened);
    queue_.emplace(loop_, *stores_.queues);
    locks_.emplace(loop_, *stores_.locks);
  }
  void TearDown() override {
    queue_.reset();
    locks_.reset();
    stores_ = {};
  }

  bool simulated_time() const { return GetParam().simulated_time; }
  bool can_advance() const { return simulated_time() || GetParam().advance_real_time; }
  // Lets `d` pass for the backend (see StoreBackend).
  void Advance(Duration d) {
    if (simulated_time()) {
      clock_.Advance(d);
    } else {
      GetParam().advance_real_time(loop_, d);
    }
  }
  // A name no other test uses (backends like Azurite are shared between tests).
  static std::string UniqueName(const std::string& prefix) {
    std::string id = FastUuid();
    std::erase(id, '-');
    return prefix + "-" + id.substr(0, 16);
  }

  SyncQueue& queue() { return *queue_; }
  SyncLocks& locks() { return *locks_; }

  EventLoop loop_;
  SimulatedClock clock_;
  TempDir dir_;
  OpenedStores stores_;
  std::optional<SyncQueue> queue_;
  std::optional<SyncLocks> locks_;
};

// At the top of a test that needs time to pass.
#define SKIP_UNLESS_TIME_CAN_PASS() \
  if (!can_advance()) GTEST_SKIP() << GetParam().name << " cannot let time pass here"
// At the top of a test that compares times with the clock or needs long waits.
#define SKIP_UNLESS_SIMULATED_TIME() \
  if (!simulated_time()) GTEST_SKIP() << GetParam().name << " runs on its own real clock"

}  // namespace squall::testing
