// The embedded store's one connection per process, and the thread that owns it.
//
// Writer discipline: store calls never touch SQLite on the caller's thread. They queue a job
// and return. The storage thread takes every queued job, runs them in ONE transaction
// (BEGIN IMMEDIATE when any job writes: the file's single writer lock, taken once for the
// batch), each job all or nothing (one statement, or a savepoint), commits (one fsync for the
// whole batch: group commit) and posts the answers to the EventLoop. Other processes of the app do
// the same on the same file; while one holds the writer lock the others wait on their storage
// threads (busy_timeout and retries), never on the loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.h"
#include "core/status.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_job.h"

namespace squall {

// The file every commit that makes work visible touches (DB.db-changed): what idle listeners
// of every process of the app watch (FileChangeWatcher), instead of the WAL, which the
// listeners' own takes and deletes write too.
std::filesystem::path EmbeddedChangeSignalPathFor(const std::filesystem::path& db_path);

class SqliteDatabase {
 public:
  struct Options {
    // How long one attempt to begin a write transaction waits for another process's.
    int busy_timeout_ms = 5000;
    // Attempts before the jobs of a batch fail with kUnavailable (the database stayed locked).
    int begin_attempts = 6;
    // Most jobs in one transaction: bounds how long one batch keeps the others waiting.
    std::size_t max_batch = 4096;
  };
  struct Stats {
    std::uint64_t transactions = 0;  // committed or not
    std::uint64_t jobs = 0;
    std::uint64_t busy_retries = 0;  // BEGINs that found the database locked
  };

  // Creates the file's folder (mode 0700) when missing, opens the file in WAL mode, creates
  // the tables and starts the storage thread. Errors name the file. Opening runs on the
  // caller's thread (at start-up) and may wait busy_timeout_ms for another process's writer.
  // The database must not outlive `loop`.
  static StatusOr<std::unique_ptr<SqliteDatabase>> Open(const std::filesystem::path& path,
                                                        EventLoop& loop, Options options);
  static StatusOr<std::unique_ptr<SqliteDatabase>> Open(const std::filesystem::path& path,
                                                        EventLoop& loop) {
    return Open(path, loop, Options());
  }
  // Runs the jobs already queued (their answers are dropped by their callers' guards when
  // those are gone), then joins the thread.
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // "embedded storage (/app/.squall/storage.db)"
  std::string Describe() const;
  EventLoop& loop() { return loop_; }

  // Any thread.
  void Submit(std::unique_ptr<SqliteJob> job);

  // Runs `work` on the storage thread and `done` with its result on the loop, unless `caller`
  // has expired by then. R is Status or StatusOr<T>.
  template <typename R>
  void Call(SqliteWrites writes, std::weak_ptr<const void> caller,
            typename SqliteCall<R>::Work work, typename SqliteCall<R>::Done done,
            SqliteCommit commit = {}) {
    auto job = std::make_unique<SqliteCall<R>>(writes, std::move(caller), std::move(work),
                                               std::move(done));
    job->set_commit(commit);
    Submit(std::move(job));
  }
  // Answers `done` with `result` on the loop without touching the database (a refused call).
  template <typename R>
  void Answer(std::weak_ptr<const void> caller, typename SqliteCall<R>::Done done, R result) {
    auto job = std::make_shared<SqliteCall<R>>(SqliteWrites::kNone, std::move(caller), nullptr,
                                               std::move(done));
    job->Set(std::move(result));
    loop_.Post([job] { job->Deliver(); });
  }

  Stats stats() const;

 private:
  SqliteDatabase(std::filesystem::path path, EventLoop& loop, Options options,
                 std::unique_ptr<SqliteConnection> db);

  void ThreadMain();
  void RunBatch(std::vector<std::unique_ptr<SqliteJob>>& jobs);
  void RunJob(SqliteJob& job);
  Status Begin(bool writes);
  // Sets PRAGMA synchronous (outside a transaction) when it differs from the current one.
  void SetDurable(bool durable);
  // Tells watchers of the change signal file that a commit made work visible.
  void Signal();

  const std::filesystem::path path_;
  EventLoop& loop_;
  const Options options_;
  std::unique_ptr<SqliteConnection> db_;  // the storage thread's only
  bool durable_ = true;   // the connection's synchronous=FULL (storage thread only)
  int signal_fd_ = -1;    // the change signal file, opened on first use (storage thread only)

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<SqliteJob>> queue_;  // guarded by mu_
  std::atomic<bool> stopping_{false};

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::atomic<std::uint64_t> busy_retries_{0};

  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace squall
