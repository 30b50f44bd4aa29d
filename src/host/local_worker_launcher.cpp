#include "host/local_worker_launcher.h"

#include "core/random.h"
#include "host/child_process.h"
#include "http/loopback.h"

namespace squall {

namespace {

class LocalWorker final : public WorkerHandle {
 public:
  explicit LocalWorker(std::shared_ptr<ChildProcess> child) : child_(std::move(child)) {}
  ~LocalWorker() override { child_->Kill(); }
  int pid() const override { return child_->pid(); }
  void Terminate() override { child_->Terminate(); }
  void Kill() override { child_->Kill(); }

 private:
  std::shared_ptr<ChildProcess> child_;
};

}  // namespace

LocalWorkerLauncher::LocalWorkerLauncher(EventLoop& loop, const AppConfig& app)
    : loop_(loop), app_(app) {}

StatusOr<int> LocalWorkerLauncher::PickPort() { return PickFreeLoopbackPort(); }

StatusOr<std::unique_ptr<WorkerHandle>> LocalWorkerLauncher::Launch(
    int port, std::function<void(std::string how)> on_exit) {
  const auto& desc = app_.host.custom_handler;
  ProcessSpec spec;
  spec.executable = desc.default_executable_path;
  spec.args = desc.arguments;
  spec.working_dir = desc.working_directory.empty()
                         ? app_.root
                         : (app_.root / desc.working_directory).lexically_normal();
  spec.env = app_.settings.values;
  spec.env["FUNCTIONS_CUSTOMHANDLER_PORT"] = std::to_string(port);
  spec.env["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = RandomUuid();
  spec.env["FUNCTIONS_APP_ROOT_PATH"] = app_.root.string();
  spec.env["FUNCTIONS_WORKER_RUNTIME"] = "custom";
  // The platform's channel and its token are the host's, not the user's code's.
  spec.unset_env = {"SQUALL_PLATFORM_EXCHANGE", "SQUALL_PLATFORM_EXCHANGE_TOKEN"};
  spec.log_category = "Worker";
  auto child = ChildProcess::Spawn(loop_, spec, [on_exit = std::move(on_exit)](ProcessExit ex) {
    on_exit(ex.ToString());
  });
  if (!child.ok()) return child.status();
  return std::unique_ptr<WorkerHandle>(std::make_unique<LocalWorker>(std::move(*child)));
}

void LocalWorkerLauncher::Probe(int port, std::function<void(bool)> done) {
  ProbeLoopbackPort(loop_, port, std::move(done));
}

}  // namespace squall
