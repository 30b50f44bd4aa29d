// A unit of work for SqliteDatabase's storage thread: it runs inside the transaction of its
// batch, and its answer reaches the caller on the EventLoop after the batch commits.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/log.h"
#include "core/status.h"

namespace squall {

class SqliteConnection;

// What a job writes, which decides the transaction and whether the job needs a savepoint.
enum class SqliteWrites {
  kNone,  // reads only: a batch of such jobs takes no writer lock
  // One writing statement (SQLite makes a statement all or nothing), possibly after
  // housekeeping that may stay when the job fails (sweeping expired rows): no savepoint.
  kOneStatement,
  // Statements that stand or fall together: a savepoint undoes them when the job fails.
  kAllOrNothing,
};

// How a job's commit must reach the disk, and who should hear of it.
struct SqliteCommit {
  // true: acknowledged only once fsynced (synchronous=FULL): puts, clears, locks, state. false:
  // a power loss may undo it (synchronous=NORMAL; WAL keeps it safe from process crashes):
  // taking, deleting and releasing messages, whose loss only means a message runs again.
  bool durable = true;
  // Touch the change signal after the commit (storage.h EmbeddedChangeSignalPath): work became
  // visible that idle listeners in any process should look at now.
  bool signal = false;
};
inline constexpr SqliteCommit kRelaxedCommit{false, false};

class SqliteJob {
 public:
  explicit SqliteJob(SqliteWrites writes) : writes_(writes) {}
  virtual ~SqliteJob() = default;

  SqliteWrites writes() const { return writes_; }
  const SqliteCommit& commit() const { return commit_; }
  void set_commit(SqliteCommit commit) { commit_ = commit; }
  // On the storage thread, inside the transaction. false = the job failed: its writes are
  // undone (its statement, or its savepoint) and the other jobs of the batch go on.
  virtual bool Run(SqliteConnection& db) = 0;
  // Its transaction did not commit: whatever Run found, the answer is `error`.
  virtual void Fail(const Status& error) = 0;
  // On the loop: hands the answer over unless the caller is gone.
  virtual void Deliver() = 0;

 private:
  SqliteWrites writes_;
  SqliteCommit commit_;
};

// A job from a function returning R (Status or StatusOr<T>) and a callback taking it.
// `caller` guards the callback: once it expires (the store was destroyed) nothing is called.
template <typename R>
class SqliteCall final : public SqliteJob {
 public:
  using Work = std::function<R(SqliteConnection&)>;
  using Done = std::function<void(R)>;

  SqliteCall(SqliteWrites writes, std::weak_ptr<const void> caller, Work work, Done done)
      : SqliteJob(writes),
        caller_(std::move(caller)),
        work_(std::move(work)),
        done_(std::move(done)) {}

  bool Run(SqliteConnection& db) override {
    // Nothing may escape the storage thread: a throwing job is a failed job.
    try {
      result_.emplace(work_(db));
    } catch (const std::exception& e) {
      result_.emplace(Internal(std::string("embedded storage: unexpected error: ") + e.what()));
    } catch (...) {
      result_.emplace(Internal("embedded storage: unexpected error"));
    }
    work_ = nullptr;  // frees what the work captured (a message text) before the commit
    return result_->ok();
  }

  void Fail(const Status& error) override { result_.emplace(error); }
  // An answer found without running (SqliteDatabase::Answer).
  void Set(R result) { result_.emplace(std::move(result)); }

  void Deliver() override {
    if (!result_ || caller_.expired()) return;
    try {
      done_(std::move(*result_));
    } catch (const std::exception& e) {
      LogError("Host.Storage", "a storage callback threw: {}", e.what());
    } catch (...) {
      LogError("Host.Storage", "a storage callback threw");
    }
  }

 private:
  std::weak_ptr<const void> caller_;
  Work work_;
  Done done_;
  std::optional<R> result_;
};

}  // namespace squall
