// What finding a host's process tree in /proc costs (issue 6): the host's health sampler does it
// once a second on its event loop, the memory sampler every 10 s per instance. Two ways: scan
// every process's stat and follow ppids, or read the tree from the kernel's children lists.
// Reports how many processes the machine had and how many were in the tree.
//
//   build-release/bin/process_scan_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "core/process_usage.h"

namespace {

// `count` processes that sleep until killed: this process's children (in its tree), or, with
// in_tree false, orphans adopted by init (elsewhere on the machine: a fork that forks the
// sleeper and exits). Killed (and the children reaped) on destruction.
class IdleProcesses {
 public:
  IdleProcesses(int count, bool in_tree) {
    int pipe_fds[2];
    if (!in_tree && pipe(pipe_fds) != 0) return;
    for (int i = 0; i < count; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        if (!in_tree) {
          pid_t sleeper = fork();
          if (sleeper == 0) {
            pause();
            _exit(0);
          }
          (void)!write(pipe_fds[1], &sleeper, sizeof sleeper);
          _exit(0);
        }
        pause();
        _exit(0);
      }
      if (pid < 0) break;
      if (in_tree) {
        children_.push_back(pid);
      } else {
        waitpid(pid, nullptr, 0);
        pid_t sleeper = 0;
        if (read(pipe_fds[0], &sleeper, sizeof sleeper) == sizeof sleeper) orphans_.push_back(sleeper);
      }
    }
    if (!in_tree) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
    }
  }
  ~IdleProcesses() {
    for (pid_t pid : orphans_) kill(pid, SIGKILL);
    for (pid_t pid : children_) kill(pid, SIGKILL);
    // Orphans are reaped by init, soon: wait until /proc no longer lists them, so the next
    // run of the benchmark (Google Benchmark runs each several times) counts only its own.
    for (pid_t pid : orphans_) {
      for (int i = 0; i < 5000 && kill(pid, 0) == 0; ++i) usleep(1000);
    }
    for (pid_t pid : children_) waitpid(pid, nullptr, 0);
  }
  IdleProcesses(const IdleProcesses&) = delete;
  IdleProcesses& operator=(const IdleProcesses&) = delete;

 private:
  std::vector<pid_t> children_;
  std::vector<pid_t> orphans_;
};

template <typename ReadTree>
void RunTreeBenchmark(benchmark::State& state, ReadTree read_tree) {
  IdleProcesses extra(static_cast<int>(state.range(0)), state.range(1) != 0);
  std::size_t tree = 0;
  for (auto _ : state) {
    std::vector<squall::ProcStat> processes = read_tree(getpid());
    tree = processes.size();
    benchmark::DoNotOptimize(processes);
  }
  state.counters["processes"] = static_cast<double>(squall::ScanProcesses().size());
  state.counters["tree"] = static_cast<double>(tree);
}

// Every /proc/<pid>/stat, then the tree by ppid: the cost grows with the machine's processes.
void BM_ScanThenTree(benchmark::State& state) {
  RunTreeBenchmark(state, [](pid_t root) {
    return squall::ProcessTree(root, squall::ScanProcesses());
  });
}

// /proc/<pid>/task/<tid>/children from the root down: the cost grows with the tree only.
void BM_ReadProcessTree(benchmark::State& state) {
  RunTreeBenchmark(state, [](pid_t root) { return squall::ReadProcessTree(root); });
}

// Args: extra idle processes, and whether they are in the tree (this process's children) or
// elsewhere on the machine. {2, 1} is a host with its worker; {1000, 0} the same host on a
// machine running 1000 more processes.
void TreeArgs(benchmark::internal::Benchmark* b) {
  for (auto [count, in_tree] : {std::pair{0, 0}, {2, 1}, {100, 0}, {1000, 0}, {100, 1}}) {
    b->Args({count, in_tree});
  }
  b->ArgNames({"extra", "in_tree"})->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_ScanThenTree)->Apply(TreeArgs);
BENCHMARK(BM_ReadProcessTree)->Apply(TreeArgs);

}  // namespace

BENCHMARK_MAIN();
