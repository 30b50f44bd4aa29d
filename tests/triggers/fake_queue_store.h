// An in-memory QueueStore for listener tests: Azure's semantics on the SimulatedClock, with
// callbacks run synchronously (no loop needed) and failures that tests can script.
#pragma once

#include <algorithm>
#include <deque>
#include <map>

#include "core/clock.h"
#include "storage/queue_store.h"

namespace squall::testing {

class FakeQueueStore final : public QueueStore {
 public:
  explicit FakeQueueStore(Clock& clock) : clock_(clock) {}

  std::string Describe() const override { return "fake"; }
  void CreateQueue(const std::string&, Callback<Status> done) override { done(Status::Ok()); }
  void Put(const std::string& queue, std::string text, Duration initial_visibility,
           Duration ttl, Callback<StatusOr<QueueMessage>> done) override {
    if (fail_puts) return done(Unavailable("scripted put failure"));
    QueueMessage m;
    m.id = "m" + std::to_string(++next_id_);
    m.text = std::move(text);
    m.insertion_time = clock_.WallNow();
    m.expiration_time = m.insertion_time + ttl;
    m.next_visible_time = m.insertion_time + initial_visibility;
    queues_[queue].push_back(m);
    done(m);
  }
  void Get(const std::string& queue, int max_messages, Duration visibility,
           const std::string& owner, Callback<StatusOr<std::vector<QueueMessage>>> done) override {
    ++gets;
    std::vector<QueueMessage> out;
    for (auto& m : queues_[queue]) {
      if (static_cast<int>(out.size()) >= max_messages) break;
      if (m.next_visible_time > clock_.WallNow()) continue;
      m.dequeue_count++;
      m.pop_receipt = "r" + std::to_string(++next_receipt_);
      m.next_visible_time = clock_.WallNow() + visibility;
      owners_[m.id] = owner;
      out.push_back(m);
    }
    done(out);
  }
  void Peek(const std::string& queue, int max_messages,
            Callback<StatusOr<std::vector<QueueMessage>>> done) override {
    std::vector<QueueMessage> out;
    for (auto& m : queues_[queue]) {
      if (static_cast<int>(out.size()) < max_messages && m.next_visible_time <= clock_.WallNow())
        out.push_back(m);
    }
    done(out);
  }
  void Delete(const std::string& queue, const std::string& id, const std::string& receipt,
              Callback<Status> done) override {
    auto& q = queues_[queue];
    auto it = std::find_if(q.begin(), q.end(), [&](auto& m) { return m.id == id; });
    if (it == q.end() || it->pop_receipt != receipt) return done(NotFound("no such message"));
    q.erase(it);
    done(Status::Ok());
  }
  void UpdateVisibility(const std::string& queue, const std::string& id,
                        const std::string& receipt, Duration visibility,
                        Callback<StatusOr<QueueMessage>> done) override {
    ++updates;
    auto& q = queues_[queue];
    auto it = std::find_if(q.begin(), q.end(), [&](auto& m) { return m.id == id; });
    if (it == q.end() || it->pop_receipt != receipt) return done(NotFound("no such message"));
    it->pop_receipt = "r" + std::to_string(++next_receipt_);
    it->next_visible_time = clock_.WallNow() + visibility;
    done(*it);
  }
  void Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) override {
    done(static_cast<std::int64_t>(queues_[queue].size()));
  }
  void Clear(const std::string& queue, Callback<Status> done) override {
    queues_[queue].clear();
    done(Status::Ok());
  }
  void ReleaseLeases(const std::string&, Callback<StatusOr<std::int64_t>> done) override {
    done(std::int64_t{0});
  }
  void ListQueues(Callback<StatusOr<std::vector<std::string>>> done) override {
    std::vector<std::string> out;
    for (auto& [k, v] : queues_) out.push_back(k);
    done(out);
  }

  std::size_t size(const std::string& queue) { return queues_[queue].size(); }
  const std::deque<QueueMessage>& messages(const std::string& queue) { return queues_[queue]; }

  int gets = 0;
  int updates = 0;
  bool fail_puts = false;

 private:
  Clock& clock_;
  std::map<std::string, std::deque<QueueMessage>> queues_;
  std::map<std::string, std::string> owners_;
  int next_id_ = 0;
  int next_receipt_ = 0;
};

}  // namespace squall::testing
