#include "storage/sqlite_database.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/log.h"
#include "storage/sqlite_schema.h"

namespace squall {
namespace {

// The folder holds the app's queues and state: only its user may read it.
Status EnsureFolder(const std::filesystem::path& file) {
  std::filesystem::path folder = file.parent_path();
  if (folder.empty()) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::is_directory(folder, ec)) return Status::Ok();
  if (folder.has_parent_path()) std::filesystem::create_directories(folder.parent_path(), ec);
  if (::mkdir(folder.c_str(), 0700) == 0 || errno == EEXIST) {
    if (std::filesystem::is_directory(folder, ec)) return Status::Ok();
    errno = ENOTDIR;
  }
  int err = errno;
  StatusCode code = err == EACCES || err == EPERM || err == EROFS ? StatusCode::kPermissionDenied
                                                                  : StatusCode::kFailedPrecondition;
  return Status(code, fmt::format("embedded storage {}: cannot create the folder {}: {}",
                                  file.string(), folder.string(), std::strerror(err)));
}

}  // namespace

StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::filesystem::path& path,
                                                               EventLoop& loop, Options options) {
  if (Status s = EnsureFolder(path); !s.ok()) return s;
  auto db = SqliteConnection::Open(path, options.busy_timeout_ms);
  if (!db.ok()) return db.status();
  if (Status s = EnsureSqliteSchema(**db); !s.ok()) return s;
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(path, loop, options, std::move(*db)));
}

SqliteDatabase::SqliteDatabase(std::filesystem::path path, EventLoop& loop, Options options,
                               std::unique_ptr<SqliteConnection> db)
    : path_(std::move(path)), loop_(loop), options_(options), db_(std::move(db)), thread_([this] {
        ThreadMain();
      }) {}

SqliteDatabase::~SqliteDatabase() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

std::filesystem::path EmbeddedChangeSignalPathFor(const std::filesystem::path& db_path) {
  return std::filesystem::path(db_path.string() + "-changed");
}

std::string SqliteDatabase::Describe() const { return "embedded storage (" + path_.string() + ")"; }

void SqliteDatabase::Submit(std::unique_ptr<SqliteJob> job) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(job));
  }
  // The thread only sleeps on an empty queue, so only the first job needs to wake it.
  if (was_empty) wake_.notify_one();
}

SqliteDatabase::Stats SqliteDatabase::stats() const {
  return {transactions_.load(), jobs_.load(), busy_retries_.load()};
}

void SqliteDatabase::ThreadMain() {
  for (;;) {
    std::vector<std::unique_ptr<SqliteJob>> batch;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      if (queue_.size() <= options_.max_batch) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    // Jobs catch their own exceptions; what is left is running out of memory. Nothing may
    // escape the thread: the batch is given up and its callers hear so.
    try {
      RunBatch(batch);
    } catch (const std::exception& e) {
      if (db_->InTransaction()) db_->Exec("ROLLBACK");
      Status error = Internal(Describe() + ": the batch failed: " + e.what());
      for (auto& job : batch) job->Fail(error);
    }
    jobs_ += batch.size();
    try {
      // One post for the batch: one wake-up of the loop instead of one per answer.
      auto answers = std::make_shared<std::vector<std::unique_ptr<SqliteJob>>>(std::move(batch));
      loop_.Post([answers] {
        for (auto& job : *answers) job->Deliver();
      });
    } catch (const std::exception& e) {
      LogError("Host.Storage", "{}: answers lost: {}", Describe(), e.what());
    }
  }
}

Status SqliteDatabase::Begin(bool writes) {
  // IMMEDIATE takes the writer lock now, so no statement of the batch meets a busy database
  // halfway; reads alone need no lock in WAL mode.
  const char* sql = writes ? "BEGIN IMMEDIATE" : "BEGIN";
  int attempts = stopping_ ? 1 : options_.begin_attempts;
  Status s;
  for (int i = 0; i < attempts; ++i) {
    s = db_->Prepare(sql).Run();
    if (s.ok() || s.code() != StatusCode::kUnavailable) return s;
    ++busy_retries_;
  }
  return s;
}

void SqliteDatabase::RunJob(SqliteJob& job) {
  // A savepoint costs two statements: only jobs of several dependent writes take one.
  if (job.writes() != SqliteWrites::kAllOrNothing) {
    job.Run(*db_);
    return;
  }
  if (Status s = db_->Prepare("SAVEPOINT job").Run(); !s.ok()) {
    job.Fail(s);
    return;
  }
  bool ok = job.Run(*db_);
  if (!db_->InTransaction()) return;  // SQLite rolled everything back; the caller sees it
  if (!ok) db_->Prepare("ROLLBACK TO job").Run();
  db_->Prepare("RELEASE job").Run();
}

void SqliteDatabase::SetDurable(bool durable) {
  if (durable == durable_) return;
  // Outside a transaction only (SQLite ignores it inside one). In WAL mode NORMAL still
  // survives a process crash; a later FULL commit fsyncs the log, earlier commits included.
  if (db_->Exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL").ok()) {
    durable_ = durable;
  }
}

void SqliteDatabase::Signal() {
  if (signal_fd_ < 0) {
    std::filesystem::path signal = EmbeddedChangeSignalPathFor(path_);
    signal_fd_ = ::open(signal.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (signal_fd_ < 0) return;  // a hint only: listeners still poll
  }
  // One byte rewritten in place: an inotify IN_MODIFY for the watchers, no growth.
  const char byte = 1;
  [[maybe_unused]] ssize_t n = ::pwrite(signal_fd_, &byte, 1, 0);
}

void SqliteDatabase::RunBatch(std::vector<std::unique_ptr<SqliteJob>>& jobs) {
  bool writes = false;
  bool durable = false;
  bool signal = false;
  for (auto& job : jobs) {
    bool job_writes = job->writes() != SqliteWrites::kNone;
    writes = writes || job_writes;
    durable = durable || (job_writes && job->commit().durable);
    signal = signal || job->commit().signal;
  }
  // Only batches with an acknowledged write that must survive a power loss pay for an fsync:
  // a message's take/delete/release can be lost at worst (it runs again: at-least-once).
  if (writes) SetDurable(durable);
  std::size_t first = 0;  // first job of the open transaction
  bool open = false;
  auto fail_open_transaction = [&](std::size_t end, const Status& error) {
    for (std::size_t j = first; j < end; ++j) jobs[j]->Fail(error);
    open = false;
  };
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!open) {
      ++transactions_;
      if (Status s = Begin(writes); !s.ok()) {
        first = i;
        fail_open_transaction(jobs.size(), s);
        return;
      }
      open = true;
      first = i;
    }
    RunJob(*jobs[i]);
    if (!db_->InTransaction()) {
      // An I/O error or a full disk ended the transaction: nothing of it was kept.
      fail_open_transaction(
          i + 1, db_->Error(sqlite3_errcode(db_->handle()), "the transaction was rolled back"));
    }
  }
  if (!open) return;
  if (Status s = db_->Prepare("COMMIT").Run(); !s.ok()) {
    if (db_->InTransaction()) db_->Exec("ROLLBACK");
    fail_open_transaction(jobs.size(), s);
    return;
  }
  // After the commit, so a woken listener never finds the new message still uncommitted.
  if (signal) Signal();
}

}  // namespace squall
