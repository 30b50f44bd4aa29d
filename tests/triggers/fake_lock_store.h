// An in-memory LockStore on the SimulatedClock, callbacks run synchronously.
#pragma once

#include <map>

#include "core/clock.h"
#include "storage/lock_store.h"

namespace squall::testing {

class FakeLockStore final : public LockStore {
 public:
  explicit FakeLockStore(Clock& clock) : clock_(clock) {}

  void TryAcquire(const std::string& name, const std::string& owner, Duration duration,
                  Callback<StatusOr<bool>> done) override {
    auto& l = locks_[name];
    if (!l.owner.empty() && l.owner != owner && l.expires > clock_.WallNow()) return done(false);
    l.owner = owner;
    l.expires = clock_.WallNow() + duration;
    done(true);
  }
  void Release(const std::string& name, const std::string& owner, Callback<Status> done) override {
    if (locks_[name].owner == owner) locks_.erase(name);
    done(Status::Ok());
  }
  void ReadState(const std::string& key,
                 Callback<StatusOr<std::optional<std::string>>> done) override {
    auto it = state_.find(key);
    done(it == state_.end() ? std::optional<std::string>() : std::optional(it->second));
  }
  void WriteState(const std::string& key, std::string value, Callback<Status> done) override {
    state_[key] = std::move(value);
    done(Status::Ok());
  }

  std::map<std::string, std::string>& state() { return state_; }

 private:
  struct Lock {
    std::string owner;
    WallTime expires{};
  };
  Clock& clock_;
  std::map<std::string, Lock> locks_;
  std::map<std::string, std::string> state_;
};

}  // namespace squall::testing
