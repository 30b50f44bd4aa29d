// A child process in its own process group, with stdout/stderr logged line by line and exit
// noticed through a pidfd on the event loop. The child gets SIGKILL if squall dies
// (PR_SET_PDEATHSIG), and Kill()/Terminate() signal the whole group, so nothing is left behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace squall {

class EventLoop;

struct ProcessSpec {
  std::string executable;  // absolute, relative to working_dir, or a name looked up on PATH
  std::vector<std::string> args;
  std::filesystem::path working_dir;
  std::map<std::string, std::string> env;  // added to (and overriding) squall's environment
  std::vector<std::string> unset_env;      // names of squall's environment the child must not see
  std::string log_category;                // output lines are logged under this category
};

struct ProcessExit {
  int exit_code = -1;  // when exited normally
  int signal = 0;      // when killed by a signal
  std::string ToString() const;
};

class ChildProcess : public std::enable_shared_from_this<ChildProcess> {
 public:
  using ExitCallback = std::function<void(ProcessExit)>;

  // Starts the process. Fails (with errno text) when it cannot be executed at all.
  static StatusOr<std::shared_ptr<ChildProcess>> Spawn(EventLoop& loop, const ProcessSpec& spec,
                                                       ExitCallback on_exit);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const;
  void Terminate();  // SIGTERM to the group
  void Kill();       // SIGKILL to the group

  struct Impl;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  std::unique_ptr<Impl> impl_;
};

// SIGKILL to every process group squall started that is still running (used on exit paths).
void KillAllChildProcessGroups();

}  // namespace squall
