// Azurite (Microsoft's Azure Storage emulator, from tools/node_modules) for the tests of the
// Azure Storage backend: one private instance per test process, in memory (it writes no files),
// on loopback ports the OS picks, killed with its whole process group when the object goes
// away - and by the kernel when the test process dies first (PR_SET_PDEATHSIG).
//
// No sleeping here (scripts/check-clock.sh): start-up is awaited by reading what Azurite prints
// with poll() - each wait bounded, the number of waits bounded - then one connect per port.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/asio_context.h"
#include "core/event_loop.h"
#include "core/status.h"
#include "storage/storage_connection.h"

namespace squall {

class Azurite {
 public:
  // Azurite's well-known development key (public; the one UseDevelopmentStorage=true means).
  static constexpr std::string_view kDevKey =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  // kFailedPrecondition naming scripts/install-deps.sh when Azurite is not installed.
  static StatusOr<std::unique_ptr<Azurite>> Start();
  ~Azurite();
  Azurite(const Azurite&) = delete;
  Azurite& operator=(const Azurite&) = delete;

  int blob_port() const { return blob_port_; }
  int queue_port() const { return queue_port_; }
  // devstoreaccount1 on this instance's ports, path-style, signed with `key`.
  StorageConnection Connection(std::string_view key = kDevKey) const;
  // The same as a connection string (for SDKs).
  std::string ConnectionString() const;
  // devstoreaccount1 reached as `localhost` (resolved), authorized by an account SAS for the
  // Blob and Queue services (every resource type and permission, expiring in 2099) that this
  // computes as Azure's "Create an account SAS" page says (version 2021-08-06).
  StorageConnection SasConnection() const;
  // What Azurite printed so far (for failure messages).
  std::string Output() const;

 private:
  Azurite() = default;

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int blob_port_ = 0;
  int queue_port_ = 0;
  std::thread drain_;  // keeps reading Azurite's output so it never blocks on a full pipe
  mutable std::mutex mu_;
  std::string output_;
};

// Runs `loop` until the callback `start` was given has been called, and returns its argument.
// Bounded: fails (returns nullopt) when nothing at all happens on the loop for a minute; every
// store call has its own deadline, so a lost answer ends as an error, not a hang.
template <typename T>
std::optional<T> AwaitCallback(EventLoop& loop,
                               const std::function<void(std::function<void(T)>)>& start) {
  std::optional<T> result;
  start([&result](T value) { result.emplace(std::move(value)); });
  auto& io = AsioContext(loop);
  io.restart();
  while (!result) {
    if (io.run_one_for(std::chrono::seconds(60)) == 0) break;
  }
  return result;
}

}  // namespace squall
