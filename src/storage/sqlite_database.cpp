#include "storage/sqlite_database.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

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

void SqliteDatabase::RunBatch(std::vector<std::unique_ptr<SqliteJob>>& jobs) {
  bool writes = false;
  for (auto& job : jobs) writes = writes || job->writes() != SqliteWrites::kNone;
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
  }
}

}  // namespace squall
