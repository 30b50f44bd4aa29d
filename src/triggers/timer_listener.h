// One timer-triggered function's schedule on one instance. Every instance of the app runs one;
// each occurrence fires on exactly one of them:
//   1. at occurrence T, take the function's lock (LockStore; a blob lease on Azure Storage);
//      an instance that does not get it skips T;
//   2. read the schedule status {Last, Next, LastUpdated}; Last >= T means another instance
//      ran T already (its lease may have lapsed since): skip;
//   3. record {Last: T, Next: next(T)} before invoking, so T is claimed even if we die;
//   4. invoke with Azure's payload.
// useMonitor: the first time this instance holds the lock (at start, retried until another
// holder's lease lapses, or at its first occurrence) a recorded Next that has passed means an
// occurrence was missed while nothing ran: it runs once with IsPastDue: true.
// Stop() gives the lock up, so a restarted host takes the schedule over at once.
// runOnStartup: one extra run when the listener starts.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "storage/lock_store.h"
#include "triggers/trigger_config.h"

namespace squall {

struct TimerListenerOptions {
  TimerSpec spec;
  std::string owner;      // this instance's id
  std::string app_name;   // names the lock and status records, like Azure's host id
  std::string time_zone;  // WEBSITE_TIME_ZONE; "" = UTC
  // Azure's singleton lock period (15 s): a killed holder's schedule moves on after this.
  Duration lock_duration = std::chrono::seconds(15);
};

class TimerListener : public std::enable_shared_from_this<TimerListener> {
 public:
  using InvokeFn = std::function<void(std::string body,
                                      std::function<void(StatusOr<std::string>)> done)>;
  // The next occurrence strictly after a time; nullopt when the schedule never fires again.
  using NextFn = std::function<std::optional<WallTime>(WallTime after)>;

  // Parses the schedule and time zone (errors name what is wrong).
  static StatusOr<std::shared_ptr<TimerListener>> Create(TimerListenerOptions options,
                                                         LockStore& locks, Clock& clock,
                                                         InvokeFn invoke);
  TimerListener(TimerListenerOptions options, LockStore& locks, Clock& clock, InvokeFn invoke,
                NextFn next);

  void Start();
  void Stop();

  std::string lock_name() const;
  std::string status_key() const;
  std::int64_t fired() const;

 private:
  struct Status_ {
    std::optional<WallTime> last, next, last_updated;
  };
  void ScheduleNext(WallTime after);
  void OnDue(WallTime occurrence);
  // Takes the lock, checks and claims the occurrence, invokes. past_due: a catch-up run.
  void TryFire(WallTime occurrence, bool past_due, bool startup_run);
  // useMonitor's catch-up, once per listener: retried while another instance holds the lock.
  void CheckPastDue();
  void Claimed(WallTime occurrence, std::optional<WallTime> previous, bool past_due);
  static std::optional<Status_> ParseStatus(const std::optional<std::string>& text);

  TimerListenerOptions options_;
  LockStore& locks_;
  Clock& clock_;
  InvokeFn invoke_;
  NextFn next_;
  std::mutex mu_;
  bool stopped_ = true;
  bool past_due_checked_ = false;
  bool held_ = false;  // the last TryAcquire got the lock
  TimerId timer_ = kNoTimer;
  TimerId check_timer_ = kNoTimer;
  std::int64_t fired_ = 0;
};

}  // namespace squall
