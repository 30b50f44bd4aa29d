#include "storage/sqlite_queue_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

#include "core/random.h"
#include "storage/sqlite_owner_registry.h"

namespace squall {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr Duration kMaxVisibility = hours(24 * 7);
constexpr Duration kDefaultTimeToLive = hours(24 * 7);
// Azure's smallest visibility for Get: a taken message is never visible to the next getter.
constexpr Duration kMinGetVisibility = seconds(1);
// Expired messages are deleted lazily: at most this often, this many at a time.
constexpr Duration kSweepInterval = seconds(1);
constexpr int kSweepLimit = 1000;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::int64_t Nanos(WallTime t) { return t.time_since_epoch().count(); }
WallTime FromNanos(std::int64_t ns) { return WallTime(Duration(ns)); }
std::int64_t Plus(std::int64_t t, Duration d) {
  return d.count() > kNever - t ? kNever : t + d.count();
}

Status VisibilityStatus(Duration visibility) {
  if (visibility >= Duration::zero() && visibility <= kMaxVisibility) return Status::Ok();
  return InvalidArgument(fmt::format("a visibility timeout is 0 s to 7 days, not {} s",
                                     std::chrono::duration<double>(visibility).count()));
}

Status ReceiptStatus(const std::string& id, const std::string& pop_receipt) {
  if (!id.empty() && !pop_receipt.empty()) return Status::Ok();
  return InvalidArgument("a message id and the pop receipt of its Get are needed");
}

Status NotFoundStatus(const std::string& queue, const std::string& id) {
  return NotFound(fmt::format(
      "message {} of queue '{}' is gone, expired or taken by another Get since (stale pop "
      "receipt)",
      id, queue));
}

// Columns: seq, id, pop_receipt, text, dequeue_count, inserted_at, expires_at, visible_at.
QueueMessage ReadMessage(const SqliteStatement& row) {
  QueueMessage m;
  m.id = row.Text(1);
  m.pop_receipt = row.Text(2);
  m.text = row.Text(3);
  m.dequeue_count = static_cast<int>(row.Int(4));
  m.insertion_time = FromNanos(row.Int(5));
  m.expiration_time = FromNanos(row.Int(6));
  m.next_visible_time = FromNanos(row.Int(7));
  return m;
}

StatusOr<std::vector<QueueMessage>> ReadMessages(SqliteStatement& rows) {
  std::vector<std::pair<std::int64_t, QueueMessage>> found;
  while (rows.Step()) found.emplace_back(rows.Int(0), ReadMessage(rows));
  if (!rows.ok()) return rows.status();
  // RETURNING gives no order: oldest first is by seq.
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<QueueMessage> out;
  out.reserve(found.size());
  for (auto& [seq, m] : found) out.push_back(std::move(m));
  return out;
}

}  // namespace

struct SqliteQueueStore::Shared {
  SqliteOwnerRegistry owners{ProcessIdentity::Self()};
  std::optional<std::int64_t> last_sweep;

  // Deletes expired messages (a bounded number, at most every kSweepInterval). Every query
  // filters on expires_at too, so this only keeps the file small.
  Status Sweep(SqliteConnection& db, std::int64_t now) {
    if (last_sweep && now >= *last_sweep && now - *last_sweep < kSweepInterval.count()) {
      return Status::Ok();
    }
    last_sweep = now;
    return db
        .Prepare(
            "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages INDEXED BY "
            "messages_by_expiry WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)")
        .Bind(1, now)
        .Bind(2, kSweepLimit)
        .Run();
  }

  StatusOr<std::int64_t> Release(SqliteConnection& db, const std::string& owner, std::int64_t now) {
    Status s = db.Prepare(
                     "UPDATE messages SET visible_at = ?2, lease_owner = NULL "
                     "WHERE lease_owner = ?1 AND visible_at > ?2")
                   .Bind(1, owner)
                   .Bind(2, now)
                   .Run();
    if (!s.ok()) return s;
    return db.Changes();
  }
};

SqliteQueueStore::SqliteQueueStore(std::shared_ptr<SqliteDatabase> db, Clock& clock)
    : db_(std::move(db)), clock_(clock), shared_(std::make_shared<Shared>()) {}

SqliteQueueStore::~SqliteQueueStore() = default;

std::string SqliteQueueStore::Describe() const { return db_->Describe(); }

template <typename R>
void SqliteQueueStore::Call(SqliteWrites writes, typename SqliteCall<R>::Work work,
                            Callback<R> done, SqliteCommit commit) {
  db_->Call<R>(writes, alive_, std::move(work), std::move(done), commit);
}

template <typename R>
void SqliteQueueStore::Refuse(Callback<R> done, const Status& error) {
  db_->Answer<R>(alive_, std::move(done), error);
}

void SqliteQueueStore::CreateQueue(const std::string& queue, Callback<Status> done) {
  // A queue exists while it has messages: there is nothing to write.
  db_->Answer<Status>(alive_, std::move(done), QueueNameStatus(queue));
}

void SqliteQueueStore::Put(const std::string& queue, std::string text, Duration initial_visibility,
                           Duration time_to_live, Callback<StatusOr<QueueMessage>> done) {
  using R = StatusOr<QueueMessage>;
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<R>(std::move(done), s);
  if (text.size() > kMaxQueueMessageBytes) {
    return Refuse<R>(std::move(done),
                     InvalidArgument(fmt::format(
                         "a queue message is at most {} bytes (64 KB); this one has {} bytes",
                         kMaxQueueMessageBytes, text.size())));
  }
  if (Status s = VisibilityStatus(initial_visibility); !s.ok()) {
    return Refuse<R>(std::move(done), s);
  }
  if (time_to_live <= Duration::zero()) time_to_live = kDefaultTimeToLive;
  if (time_to_live <= initial_visibility) {
    return Refuse<R>(std::move(done), InvalidArgument("a message's time to live must be longer "
                                                      "than its initial visibility delay"));
  }
  std::int64_t now = Nanos(clock_.WallNow());
  QueueMessage m;
  m.text = std::move(text);
  m.insertion_time = FromNanos(now);
  m.expiration_time = FromNanos(Plus(now, time_to_live));
  m.next_visible_time = FromNanos(Plus(now, initial_visibility));
  Call<R>(
      SqliteWrites::kOneStatement,
      [queue, m = std::move(m)](SqliteConnection& db) mutable -> R {
        m.id = FastUuid();
        SqliteStatement insert = db.Prepare(
            "INSERT INTO messages(queue, id, pop_receipt, text, dequeue_count, inserted_at, "
            "expires_at, visible_at) VALUES(?1, ?2, lower(hex(randomblob(16))), ?3, 0, ?4, ?5, "
            "?6) RETURNING pop_receipt");
        insert.Bind(1, queue).Bind(2, m.id).Bind(3, m.text).Bind(4, Nanos(m.insertion_time));
        insert.Bind(5, Nanos(m.expiration_time)).Bind(6, Nanos(m.next_visible_time));
        if (insert.Step()) m.pop_receipt = insert.Text(0);
        if (Status s = insert.Run(); !s.ok()) return s;
        return std::move(m);
      },
      std::move(done), SqliteCommit{true, true});
}

void SqliteQueueStore::Get(const std::string& queue, int max_messages, Duration visibility,
                           const std::string& lease_owner,
                           Callback<StatusOr<std::vector<QueueMessage>>> done) {
  using R = StatusOr<std::vector<QueueMessage>>;
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = MessageCountStatus(max_messages); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = VisibilityStatus(visibility); !s.ok()) return Refuse<R>(std::move(done), s);
  visibility = std::max(visibility, kMinGetVisibility);
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kOneStatement,
      [queue, max_messages, until = Plus(now, visibility), owner = lease_owner, now,
       shared = shared_](SqliteConnection& db) -> R {
        if (Status s = shared->Sweep(db, now); !s.ok()) return s;
        if (!owner.empty()) {
          if (Status s = shared->owners.Register(db, owner, now); !s.ok()) return s;
        }
        // One statement: the messages it picks are taken atomically, whoever else is asking.
        SqliteStatement take = db.Prepare(
            "UPDATE messages SET visible_at = ?1, dequeue_count = dequeue_count + 1, "
            "pop_receipt = lower(hex(randomblob(16))), lease_owner = ?2 "
            "WHERE seq IN (SELECT seq FROM messages INDEXED BY messages_by_queue "
            "WHERE queue = ?3 AND visible_at <= ?4 AND expires_at > ?4 ORDER BY seq LIMIT ?5) "
            "RETURNING seq, id, pop_receipt, text, dequeue_count, inserted_at, expires_at, "
            "visible_at");
        take.Bind(1, until);
        if (owner.empty()) {
          take.BindNull(2);
        } else {
          take.Bind(2, owner);
        }
        take.Bind(3, queue).Bind(4, now).Bind(5, max_messages);
        return ReadMessages(take);
      },
      std::move(done), kRelaxedCommit);
}

void SqliteQueueStore::Peek(const std::string& queue, int max_messages,
                            Callback<StatusOr<std::vector<QueueMessage>>> done) {
  using R = StatusOr<std::vector<QueueMessage>>;
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = MessageCountStatus(max_messages); !s.ok()) return Refuse<R>(std::move(done), s);
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kNone,
      [queue, max_messages, now](SqliteConnection& db) -> R {
        SqliteStatement peek = db.Prepare(
            "SELECT seq, id, '', text, dequeue_count, inserted_at, expires_at, visible_at "
            "FROM messages INDEXED BY messages_by_queue "
            "WHERE queue = ?1 AND visible_at <= ?2 AND expires_at > ?2 ORDER BY seq LIMIT ?3");
        peek.Bind(1, queue).Bind(2, now).Bind(3, max_messages);
        return ReadMessages(peek);
      },
      std::move(done));
}

void SqliteQueueStore::Delete(const std::string& queue, const std::string& id,
                              const std::string& pop_receipt, Callback<Status> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<Status>(std::move(done), s);
  if (Status s = ReceiptStatus(id, pop_receipt); !s.ok()) {
    return Refuse<Status>(std::move(done), s);
  }
  std::int64_t now = Nanos(clock_.WallNow());
  Call<Status>(
      SqliteWrites::kOneStatement,
      [queue, id, pop_receipt, now](SqliteConnection& db) -> Status {
        Status s = db.Prepare(
                         "DELETE FROM messages WHERE id = ?1 AND queue = ?2 AND pop_receipt = ?3 "
                         "AND expires_at > ?4")
                       .Bind(1, id)
                       .Bind(2, queue)
                       .Bind(3, pop_receipt)
                       .Bind(4, now)
                       .Run();
        if (!s.ok()) return s;
        return db.Changes() == 1 ? Status::Ok() : NotFoundStatus(queue, id);
      },
      std::move(done), kRelaxedCommit);
}

void SqliteQueueStore::UpdateVisibility(const std::string& queue, const std::string& id,
                                        const std::string& pop_receipt, Duration visibility,
                                        Callback<StatusOr<QueueMessage>> done) {
  using R = StatusOr<QueueMessage>;
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = ReceiptStatus(id, pop_receipt); !s.ok()) return Refuse<R>(std::move(done), s);
  if (Status s = VisibilityStatus(visibility); !s.ok()) return Refuse<R>(std::move(done), s);
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kOneStatement,
      [queue, id, pop_receipt, now, until = Plus(now, visibility)](SqliteConnection& db) -> R {
        SqliteStatement update = db.Prepare(
            "UPDATE messages SET visible_at = ?1, pop_receipt = lower(hex(randomblob(16))) "
            "WHERE id = ?2 AND queue = ?3 AND pop_receipt = ?4 AND expires_at > ?5 "
            "RETURNING seq, id, pop_receipt, text, dequeue_count, inserted_at, expires_at, "
            "visible_at");
        update.Bind(1, until).Bind(2, id).Bind(3, queue).Bind(4, pop_receipt).Bind(5, now);
        auto updated = ReadMessages(update);
        if (!updated.ok()) return updated.status();
        if (updated->empty()) return NotFoundStatus(queue, id);
        return std::move(updated->front());
      },
      std::move(done), SqliteCommit{false, true});
}

void SqliteQueueStore::Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) {
  using R = StatusOr<std::int64_t>;
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<R>(std::move(done), s);
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kOneStatement,
      [queue, now, shared = shared_](SqliteConnection& db) -> R {
        if (Status s = shared->Sweep(db, now); !s.ok()) return s;
        // All of the queue (index only) less its expired messages not swept yet (few).
        SqliteStatement count = db.Prepare(
            "SELECT (SELECT count(*) FROM messages INDEXED BY messages_by_queue WHERE queue = ?1) "
            "- (SELECT count(*) FROM messages INDEXED BY messages_by_expiry "
            "WHERE expires_at <= ?2 AND queue = ?1)");
        count.Bind(1, queue).Bind(2, now);
        std::int64_t n = count.Step() ? count.Int(0) : 0;
        if (!count.ok()) return count.status();
        return n;
      },
      std::move(done), kRelaxedCommit);
}

void SqliteQueueStore::Clear(const std::string& queue, Callback<Status> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Refuse<Status>(std::move(done), s);
  Call<Status>(
      SqliteWrites::kOneStatement,
      [queue](SqliteConnection& db) -> Status {
        return db.Prepare("DELETE FROM messages WHERE queue = ?1").Bind(1, queue).Run();
      },
      std::move(done));
}

void SqliteQueueStore::ReleaseLeases(const std::string& lease_owner,
                                     Callback<StatusOr<std::int64_t>> done) {
  using R = StatusOr<std::int64_t>;
  if (lease_owner.empty()) {
    return Refuse<R>(std::move(done), InvalidArgument("ReleaseLeases needs a lease owner"));
  }
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kOneStatement,
      [owner = lease_owner, now, shared = shared_](SqliteConnection& db) -> R {
        return shared->Release(db, owner, now);
      },
      std::move(done), SqliteCommit{false, true});
}

void SqliteQueueStore::ListQueues(Callback<StatusOr<std::vector<std::string>>> done) {
  using R = StatusOr<std::vector<std::string>>;
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kNone,
      [now](SqliteConnection& db) -> R {
        // Walks the distinct names through the index (one seek per queue, not a full scan).
        std::vector<std::string> names;
        std::string after;
        for (;;) {
          SqliteStatement next = db.Prepare(
              "SELECT queue FROM messages INDEXED BY messages_by_queue WHERE queue > ?1 "
              "ORDER BY queue LIMIT 1");
          next.Bind(1, after);
          if (!next.Step()) {
            if (!next.ok()) return next.status();
            break;
          }
          after = next.Text(0);
          SqliteStatement live = db.Prepare(
              "SELECT 1 FROM messages INDEXED BY messages_by_queue "
              "WHERE queue = ?1 AND expires_at > ?2 LIMIT 1");
          live.Bind(1, after).Bind(2, now);
          if (live.Step()) names.push_back(after);
          if (!live.ok()) return live.status();
        }
        return names;
      },
      std::move(done));
}

void SqliteQueueStore::ReleaseLeasesOfDeadOwners(Callback<StatusOr<std::int64_t>> done) {
  ReleaseDeadOwners([done = std::move(done)](StatusOr<DeadOwners> released) {
    if (!released.ok()) return done(released.status());
    done(released->messages);
  });
}

void SqliteQueueStore::ReleaseDeadOwners(Callback<StatusOr<DeadOwners>> done) {
  using R = StatusOr<DeadOwners>;
  std::int64_t now = Nanos(clock_.WallNow());
  Call<R>(
      SqliteWrites::kAllOrNothing,
      [now, shared = shared_](SqliteConnection& db) -> R {
        auto dead = shared->owners.DeadOwners(db);
        if (!dead.ok()) return dead.status();
        DeadOwners out;
        for (const std::string& owner : *dead) {
          auto released = shared->Release(db, owner, now);
          if (!released.ok()) return released.status();
          if (Status s = shared->owners.Forget(db, owner); !s.ok()) return s;
          out.messages += *released;
          out.owners.push_back(owner);
        }
        return out;
      },
      std::move(done), SqliteCommit{false, true});
}

}  // namespace squall
