#include "host/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "core/asio_context.h"
#include "core/cpu_slice.h"
#include "core/log.h"

extern char** environ;

namespace squall {

namespace {

std::mutex g_groups_mu;
std::set<pid_t> g_groups;  // process groups still running

std::string ResolveExecutable(const ProcessSpec& spec) {
  namespace fs = std::filesystem;
  fs::path exe(spec.executable);
  if (exe.is_absolute()) return exe.string();
  std::error_code ec;
  fs::path local = spec.working_dir / exe;
  // Azure resolves defaultExecutablePath against the app; names like "python3" fall to PATH.
  if (spec.executable.find('/') != std::string::npos || fs::is_regular_file(local, ec)) {
    return fs::absolute(local, ec).string();
  }
  return spec.executable;  // execvpe searches PATH
}

}  // namespace

std::string ProcessExit::ToString() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with code " + std::to_string(exit_code);
}

struct ChildProcess::Impl {
  explicit Impl(boost::asio::io_context& io) : out(io), err(io), pidfd(io) {}
  boost::asio::posix::stream_descriptor out, err, pidfd;
  std::array<char, 4096> out_buf{}, err_buf{};
  std::string out_line, err_line;
  std::string category;
  ExitCallback on_exit;
  std::atomic<bool> running{true};
};

StatusOr<std::shared_ptr<ChildProcess>> ChildProcess::Spawn(EventLoop& loop,
                                                            const ProcessSpec& spec,
                                                            ExitCallback on_exit) {
  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls.
  std::string exe = ResolveExecutable(spec);
  std::vector<std::string> argv_s;
  argv_s.push_back(spec.executable);
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto name = kv.substr(0, kv.find('='));
    if (spec.env.count(std::string(name))) continue;
    if (std::find(spec.unset_env.begin(), spec.unset_env.end(), name) != spec.unset_env.end()) {
      continue;
    }
    env_s.emplace_back(kv);
  }
  for (auto& [k, v] : spec.env) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = spec.working_dir.string();

  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]), close(out_pipe[1]);
    return Internal(std::string("pipe: ") + strerror(errno));
  }
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]), close(out_pipe[1]), close(err_pipe[0]), close(err_pipe[1]);
    return Internal(std::string("pipe: ") + strerror(errno));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]})
      close(fd);
    return Internal(std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    setpgid(0, 0);
    ResetCpuSliceInChild();  // the platform's short slice is for its own event loops
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // squall died before prctl took effect
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    int err = 0;
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      err = errno;
    } else {
      execvpe(exe.c_str(), argv.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = write(exec_pipe[1], &err, sizeof(err));
    (void)ignored;
    _exit(127);
  }
  // Parent: also set the group here, so a signal sent right away reaches it (no race).
  setpgid(pid, pid);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(exec_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (n == sizeof(child_errno)) {
    int status;
    waitpid(pid, &status, 0);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return FailedPrecondition("cannot start '" + spec.executable + "' in '" + cwd +
                              "': " + strerror(child_errno));
  }

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Internal(std::string("pidfd_open: ") + strerror(errno));
  }

  std::shared_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->impl_ = std::make_unique<Impl>(AsioContext(loop));
  auto& impl = *child->impl_;
  impl.out.assign(out_pipe[0]);
  impl.err.assign(err_pipe[0]);
  impl.pidfd.assign(pidfd);
  impl.category = spec.log_category;
  impl.on_exit = std::move(on_exit);
  {
    std::lock_guard lock(g_groups_mu);
    g_groups.insert(pid);
  }

  // Output: logged line by line, tagged with the category and the stream.
  auto pump = [](std::shared_ptr<ChildProcess> self, bool is_err, auto& pump_ref) -> void {
    auto& im = *self->impl_;
    auto& desc = is_err ? im.err : im.out;
    auto& buf = is_err ? im.err_buf : im.out_buf;
    desc.async_read_some(
        boost::asio::buffer(buf),
        [self, is_err, &pump_ref](const boost::system::error_code& ec, std::size_t len) {
          auto& im2 = *self->impl_;
          auto& line = is_err ? im2.err_line : im2.out_line;
          auto& b = is_err ? im2.err_buf : im2.out_buf;
          const char* stream = is_err ? "stderr" : "stdout";
          for (std::size_t i = 0; i < len; ++i) {
            if (b[i] == '\n') {
              LogLine(LogLevel::kInformation, im2.category, line, {{"stream", stream}});
              line.clear();
            } else if (line.size() < 16384) {
              line += b[i];
            }
          }
          if (ec) {
            if (!line.empty()) LogLine(LogLevel::kInformation, im2.category, line, {{"stream", stream}});
            line.clear();
            return;
          }
          pump_ref(self, is_err, pump_ref);
        });
  };
  static const auto pump_fn = pump;  // stateless lambda: safe to reference from handlers
  pump_fn(child, false, pump_fn);
  pump_fn(child, true, pump_fn);

  impl.pidfd.async_wait(boost::asio::posix::descriptor_base::wait_read,
                        [child](const boost::system::error_code& ec) {
                          if (ec) return;
                          // The worker's own children (same group) go with it. Done before
                          // reaping, while the zombie still holds the group id.
                          kill(-child->pid_, SIGKILL);
                          int status = 0;
                          waitpid(child->pid_, &status, 0);
                          child->impl_->running = false;
                          {
                            std::lock_guard lock(g_groups_mu);
                            g_groups.erase(child->pid_);
                          }
                          ProcessExit ex;
                          if (WIFEXITED(status)) ex.exit_code = WEXITSTATUS(status);
                          if (WIFSIGNALED(status)) ex.signal = WTERMSIG(status);
                          boost::system::error_code ignored;
                          child->impl_->pidfd.close(ignored);
                          auto cb = std::move(child->impl_->on_exit);
                          if (cb) cb(ex);
                        });
  return child;
}

ChildProcess::~ChildProcess() {
  if (impl_ && impl_->running) Kill();
}

bool ChildProcess::running() const { return impl_ && impl_->running; }

void ChildProcess::Terminate() {
  if (running()) kill(-pid_, SIGTERM);
}

void ChildProcess::Kill() {
  if (running()) kill(-pid_, SIGKILL);
}

void KillAllChildProcessGroups() {
  std::lock_guard lock(g_groups_mu);
  for (pid_t pgid : g_groups) kill(-pgid, SIGKILL);
}

}  // namespace squall
