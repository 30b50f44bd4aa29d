// WorkerLauncher for the custom handler of an app on this machine: a ChildProcess with Azure's
// environment (FUNCTIONS_CUSTOMHANDLER_PORT, FUNCTIONS_CUSTOMHANDLER_WORKER_ID,
// FUNCTIONS_APP_ROOT_PATH, app settings).
#pragma once

#include "config/app_config.h"
#include "host/worker_supervisor.h"

namespace squall {

class EventLoop;

class LocalWorkerLauncher final : public WorkerLauncher {
 public:
  LocalWorkerLauncher(EventLoop& loop, const AppConfig& app);

  StatusOr<int> PickPort() override;
  StatusOr<std::unique_ptr<WorkerHandle>> Launch(
      int port, std::function<void(std::string how)> on_exit) override;
  void Probe(int port, std::function<void(bool)> done) override;

 private:
  EventLoop& loop_;
  const AppConfig& app_;
};

}  // namespace squall
