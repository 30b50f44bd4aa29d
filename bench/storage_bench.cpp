// The embedded storage alone: messages per second through put -> get (batch of 32) ->
// delete, durable (WAL, synchronous=FULL: every commit is fsynced), on a real clock.
//
//   build-rel/bin/storage_bench                        # every variant
//   build-rel/bin/storage_bench --benchmark_filter=RoundTrip/64
//   SQUALL_BENCH_DIR=/mnt/disk build-rel/bin/storage_bench   # the disk to measure
//
// `pipelines` clients run at once, each on its own queue: put 32 messages (32 calls in
// flight), take them with one Get, delete each, repeat. Several in flight is what lets the
// storage thread commit many operations per fsync, as an instance's listeners do.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/asio_context.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "storage/sqlite_queue_store.h"
#include "storage/sqlite_storage.h"

namespace squall {
namespace {

constexpr int kBatch = kMaxMessagesPerGet;
constexpr int kRoundsPerIteration = 8;

// CPU seconds of the whole process (loop and storage thread; the benchmark's own CPU column
// counts the main thread only). Unlike the wall time it hardly moves with the disk's fsync.
double ProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::filesystem::path BenchDir() {
  const char* dir = std::getenv("SQUALL_BENCH_DIR");
  std::string pattern =
      ((dir && *dir) ? std::filesystem::path(dir) : std::filesystem::temp_directory_path()) /
      "squall-storage-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

// One client: rounds of put 32 -> get 32 -> delete 32 on its own queue.
class Pipeline {
 public:
  Pipeline(QueueStore& store, std::string queue, std::string payload,
           std::function<void(bool ok)> on_done)
      : store_(store),
        queue_(std::move(queue)),
        payload_(std::move(payload)),
        on_done_(std::move(on_done)) {}

  void Start(int rounds) {
    rounds_left_ = rounds;
    Round();
  }

 private:
  void Round() {
    if (rounds_left_-- == 0) return on_done_(true);
    pending_ = kBatch;
    for (int i = 0; i < kBatch; ++i) {
      store_.Put(queue_, payload_, Duration::zero(), Duration::zero(),
                 [this](StatusOr<QueueMessage> m) {
                   if (!m.ok()) return on_done_(false);
                   if (--pending_ == 0) Take();
                 });
    }
  }

  void Take() {
    store_.Get(queue_, kBatch, std::chrono::seconds(30), "bench",
               [this](StatusOr<std::vector<QueueMessage>> got) {
                 if (!got.ok() || got->size() != static_cast<std::size_t>(kBatch)) {
                   return on_done_(false);
                 }
                 pending_ = kBatch;
                 for (const QueueMessage& m : *got) {
                   store_.Delete(queue_, m.id, m.pop_receipt, [this](Status s) {
                     if (!s.ok()) return on_done_(false);
                     if (--pending_ == 0) Round();
                   });
                 }
               });
  }

  QueueStore& store_;
  std::string queue_;
  std::string payload_;
  std::function<void(bool)> on_done_;
  int rounds_left_ = 0;
  int pending_ = 0;
};

void BM_RoundTrip(benchmark::State& state) {
  const int pipelines = static_cast<int>(state.range(0));
  const auto payload_bytes = static_cast<std::size_t>(state.range(1));
  std::filesystem::path dir = BenchDir();
  {
    EventLoop loop(1);
    auto clock = MakeRealClock(loop);
    auto storage = OpenSqliteStorage(dir / ".squall" / "storage.db", loop, *clock);
    if (!storage.ok()) {
      state.SkipWithError(storage.status().ToString().c_str());
      return;
    }
    auto& db = dynamic_cast<SqliteQueueStore&>(*storage->queues).database();

    int running = 0;
    bool failed = false;
    std::vector<std::unique_ptr<Pipeline>> clients;
    for (int i = 0; i < pipelines; ++i) {
      clients.push_back(std::make_unique<Pipeline>(*storage->queues, "bench-" + std::to_string(i),
                                                   std::string(payload_bytes, 'x'), [&](bool ok) {
                                                     failed = failed || !ok;
                                                     if (--running == 0) loop.Stop();
                                                   }));
    }
    auto before = db.stats();
    double cpu_before = ProcessCpuSeconds();
    for (auto _ : state) {
      running = pipelines;
      for (auto& client : clients) client->Start(kRoundsPerIteration);
      AsioContext(loop).restart();
      loop.Run(1);
      if (failed) {
        state.SkipWithError("a storage call failed");
        break;
      }
    }
    auto after = db.stats();
    double cpu = ProcessCpuSeconds() - cpu_before;
    std::int64_t messages = state.iterations() * pipelines * kRoundsPerIteration * kBatch;
    state.SetItemsProcessed(messages);
    double transactions = static_cast<double>(after.transactions - before.transactions);
    double jobs = static_cast<double>(after.jobs - before.jobs);
    state.counters["ops_per_commit"] = transactions > 0 ? jobs / transactions : 0;
    state.counters["commits_per_s"] = benchmark::Counter(transactions, benchmark::Counter::kIsRate);
    state.counters["cpu_us_per_msg"] = messages > 0 ? cpu * 1e6 / static_cast<double>(messages) : 0;
  }
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_RoundTrip)
    ->ArgNames({"pipelines", "bytes"})
    ->Args({1, 128})
    ->Args({16, 128})
    ->Args({64, 128})
    ->Args({128, 128})
    ->Args({64, 4096})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace squall

BENCHMARK_MAIN();
