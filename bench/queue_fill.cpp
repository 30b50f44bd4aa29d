// queue_fill: puts benchmark messages on an app's queue through the QueueStore interface, so the
// embedded store and Azure Storage (Azurite) are filled by the same code (bench/queue.sh).
//
//   queue_fill --app DIR --queue bench --count 20000 [--inflight 64]
//       fill: N messages as fast as the store takes them, --inflight puts outstanding at once
//   queue_fill --app DIR --queue bench --paced --seconds 10 [--min-ms 20 --max-ms 50]
//              [--first-seq 1000000] [--sent FILE]
//       light load: one put at a time, the next one a uniformly random 20..50 ms after the
//       previous one was sent; FILE gets "<seq> <send ns> <acknowledged ns>" per message
//   queue_fill --app DIR --roundtrip [--pipelines 16] [--seconds 5]
//       the storage alone, as bench/storage_bench does it but on either backend: each pipeline
//       on its own queue "rt-<i>" puts 32 messages (32 calls at once), takes them with Get(32)
//       and deletes each, again and again; messages/s of the completed rounds
//
// Storage: the connection string in $AzureWebJobsStorage, as the app's host reads it (unset or
// empty: the embedded store DIR/.squall/storage.db). Every message text is "<seq>:<send time>",
// the send time in ns since the epoch (the Clock's wall time, read just before the put), so the
// worker (examples/bench-handler, function qbench) can log when it received each one. Texts are
// encoded as the app's messageEncoding says (--encoding base64, the default, or none), with the
// code `squall queue put` uses. Prints one JSON line on stdout: count, seconds, rate, failures.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_loop.h"
#include "core/real_clock.h"
#include "storage/storage.h"
#include "storage/storage_connection.h"
#include "triggers/queue_output_writer.h"

namespace squall {
namespace {

constexpr int kMaxAttempts = 3;  // a put that fails is tried again, then counted as failed

struct Options {
  std::filesystem::path app;
  std::string queue = "bench";
  long long count = 0;
  int inflight = 64;
  bool paced = false;
  bool roundtrip = false;
  int pipelines = 16;
  double seconds = 10;
  int min_ms = 20;
  int max_ms = 50;
  long long first_seq = 0;
  std::string sent_file;
  bool base64 = true;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "queue_fill: %s\n"
               "usage: queue_fill --app DIR [--queue NAME] --count N [--inflight K]\n"
               "       queue_fill --app DIR [--queue NAME] --paced [--seconds S] [--min-ms A]\n"
               "                  [--max-ms B] [--first-seq N] [--sent FILE]\n"
               "       [--encoding base64|none]; storage from $AzureWebJobsStorage\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(fmt::format("{} needs a value", a).c_str());
      return argv[++i];
    };
    if (a == "--app") {
      o.app = value();
    } else if (a == "--queue") {
      o.queue = value();
    } else if (a == "--count") {
      o.count = std::atoll(value());
    } else if (a == "--inflight") {
      o.inflight = std::atoi(value());
    } else if (a == "--paced") {
      o.paced = true;
    } else if (a == "--roundtrip") {
      o.roundtrip = true;
    } else if (a == "--pipelines") {
      o.pipelines = std::atoi(value());
    } else if (a == "--seconds") {
      o.seconds = std::atof(value());
    } else if (a == "--min-ms") {
      o.min_ms = std::atoi(value());
    } else if (a == "--max-ms") {
      o.max_ms = std::atoi(value());
    } else if (a == "--first-seq") {
      o.first_seq = std::atoll(value());
    } else if (a == "--sent") {
      o.sent_file = value();
    } else if (a == "--encoding") {
      std::string_view e = value();
      if (e != "base64" && e != "none") Usage("--encoding is base64 or none");
      o.base64 = e == "base64";
    } else {
      Usage(fmt::format("unknown argument '{}'", a).c_str());
    }
  }
  if (o.app.empty()) Usage("--app is required");
  if (!o.paced && !o.roundtrip && o.count <= 0) {
    Usage("--count N (N > 0), --paced or --roundtrip is required");
  }
  if (o.pipelines < 1) Usage("--pipelines must be at least 1");
  if (o.inflight < 1) Usage("--inflight must be at least 1");
  if (o.min_ms < 0 || o.max_ms < o.min_ms) Usage("need 0 <= --min-ms <= --max-ms");
  return o;
}

std::int64_t Ns(WallTime t) { return t.time_since_epoch().count(); }

class Filler {
 public:
  Filler(const Options& o, QueueStore& store, Clock& clock, EventLoop& loop)
      : o_(o), store_(store), clock_(clock), loop_(loop), rng_(std::random_device{}()) {}

  int Run() {
    start_ = clock_.Now();
    if (o_.roundtrip) {
      end_paced_ =
          start_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o_.seconds));
      for (int i = 0; i < o_.pipelines; ++i) {
        pipes_.push_back(std::make_unique<Pipeline>(Pipeline{this, fmt::format("rt-{}", i)}));
      }
      running_ = o_.pipelines;
      for (auto& p : pipes_) Round(*p);
    } else if (o_.paced) {
      end_paced_ =
          start_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o_.seconds));
      NextPaced();
    } else {
      for (int i = 0; i < o_.inflight && next_ < o_.count; ++i) PutNext();
    }
    loop_.Run(1);
    double secs = std::chrono::duration<double>(finish_ - start_).count();
    if (!o_.sent_file.empty()) {
      std::FILE* f = std::fopen(o_.sent_file.c_str(), "w");
      if (f == nullptr) {
        std::fprintf(stderr, "queue_fill: cannot write %s\n", o_.sent_file.c_str());
        return 1;
      }
      for (const Sent& s : sent_) std::fprintf(f, "%lld %lld %lld\n", s.seq, s.send_ns, s.ack_ns);
      std::fclose(f);
    }
    fmt::print(
        "{{\"count\":{},\"seconds\":{:.3f},\"rate\":{:.0f},\"failed\":{},\"store\":\"{}\"}}\n",
        done_ok_, secs, secs > 0 ? static_cast<double>(done_ok_) / secs : 0.0, failed_,
        store_.Describe());
    if (failed_ > 0) {
      std::fprintf(stderr, "queue_fill: %lld put(s) failed; last error: %s\n", failed_,
                   last_error_.c_str());
      return 1;
    }
    return 0;
  }

 private:
  struct Sent {
    long long seq = 0;
    long long send_ns = 0;
    long long ack_ns = 0;
  };

  // Round-trip mode: one client on its own queue.
  struct Pipeline {
    Filler* self;
    std::string queue;
    int pending = 0;
    int to_take = 0;
  };

  void Round(Pipeline& p) {
    if (failed_ > 0 || clock_.Now() >= end_paced_) {
      if (--running_ == 0) Finish();
      return;
    }
    p.pending = kMaxMessagesPerGet;
    for (int i = 0; i < kMaxMessagesPerGet; ++i) {
      store_.Put(p.queue, std::string(128, 'x'), Duration::zero(), std::chrono::hours(24 * 7),
                 [this, &p](StatusOr<QueueMessage> m) {
                   if (!m.ok()) Fail(m.status());
                   if (--p.pending == 0) {
                     p.to_take = kMaxMessagesPerGet;
                     Take(p);
                   }
                 });
    }
  }

  void Take(Pipeline& p) {
    store_.Get(p.queue, p.to_take, std::chrono::seconds(30), "queue_fill",
               [this, &p](StatusOr<std::vector<QueueMessage>> got) {
                 if (!got.ok() || got->empty()) {
                   if (!got.ok()) Fail(got.status());
                   if (failed_ > 0) {
                     if (--running_ == 0) Finish();
                     return;
                   }
                   return Take(p);  // not visible yet (Azure's count is approximate): again
                 }
                 p.pending = static_cast<int>(got->size());
                 p.to_take -= p.pending;
                 for (const QueueMessage& m : *got) {
                   store_.Delete(p.queue, m.id, m.pop_receipt, [this, &p](Status s) {
                     if (!s.ok()) Fail(s);
                     ++done_ok_;
                     if (--p.pending > 0) return;
                     if (p.to_take > 0) return Take(p);
                     Round(p);
                   });
                 }
               });
  }

  void Fail(const Status& s) {
    ++failed_;
    last_error_ = s.ToString();
  }

  // Fill mode: the next message, keeping `inflight` outstanding.
  void PutNext() {
    long long seq = o_.first_seq + next_++;
    ++outstanding_;
    Put(seq, 1, [this](bool) {
      --outstanding_;
      if (next_ < o_.count) return PutNext();
      if (outstanding_ == 0) Finish();
    });
  }

  // Paced mode: one put now, the next after a random pause.
  void NextPaced() {
    if (clock_.Now() >= end_paced_) {
      stop_pacing_ = true;
      if (outstanding_ == 0) Finish();
      return;
    }
    long long seq = o_.first_seq + next_++;
    ++outstanding_;
    Put(seq, 1, [this](bool) {
      --outstanding_;
      if (stop_pacing_ && outstanding_ == 0) Finish();
    });
    std::uniform_int_distribution<int> pause(o_.min_ms, o_.max_ms);
    clock_.Schedule(std::chrono::milliseconds(pause(rng_)), [this] { NextPaced(); });
  }

  void Put(long long seq, int attempt, std::function<void(bool)> then) {
    std::int64_t send_ns = Ns(clock_.WallNow());
    auto encoded = EncodeQueueMessage(fmt::format("{}:{}", seq, send_ns), o_.base64);
    if (!encoded.ok()) {
      std::fprintf(stderr, "queue_fill: %s\n", encoded.status().message().c_str());
      std::exit(1);
    }
    store_.Put(o_.queue, std::move(*encoded), Duration::zero(), std::chrono::hours(24 * 7),
               [this, seq, attempt, send_ns, then = std::move(then)](StatusOr<QueueMessage> put) {
                 if (!put.ok()) {
                   last_error_ = put.status().ToString();
                   if (attempt < kMaxAttempts) return Put(seq, attempt + 1, then);
                   ++failed_;
                   return then(false);
                 }
                 ++done_ok_;
                 if (o_.paced) sent_.push_back({seq, send_ns, Ns(clock_.WallNow())});
                 then(true);
               });
  }

  void Finish() {
    finish_ = clock_.Now();
    loop_.Stop();
  }

  const Options& o_;
  QueueStore& store_;
  Clock& clock_;
  EventLoop& loop_;
  std::mt19937 rng_;
  MonoTime start_{};
  MonoTime finish_{};
  MonoTime end_paced_{};
  bool stop_pacing_ = false;
  long long next_ = 0;
  int outstanding_ = 0;
  long long done_ok_ = 0;
  long long failed_ = 0;
  std::string last_error_;
  std::vector<Sent> sent_;
  std::vector<std::unique_ptr<Pipeline>> pipes_;
  int running_ = 0;
};

int Main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  const char* conn_text = std::getenv("AzureWebJobsStorage");
  auto connection = ParseStorageConnection(conn_text ? conn_text : "");
  if (!connection.ok()) {
    std::fprintf(stderr, "queue_fill: AzureWebJobsStorage: %s\n",
                 connection.status().message().c_str());
    return 2;
  }
  EventLoop loop(1);
  auto clock = MakeRealClock(loop);
  auto storage = OpenStorage(*connection, o.app, loop, *clock);
  if (!storage.ok()) {
    std::fprintf(stderr, "queue_fill: %s\n", storage.status().message().c_str());
    return 1;
  }
  Filler filler(o, *storage->queues, *clock, loop);
  return filler.Run();
}

}  // namespace
}  // namespace squall

int main(int argc, char** argv) { return squall::Main(argc, argv); }
