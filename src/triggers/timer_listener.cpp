#include "triggers/timer_listener.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/log.h"
#include "core/random.h"
#include "timer/timer_schedule.h"
#include "triggers/trigger_payload.h"

namespace squall {

namespace json = boost::json;

namespace {

constexpr const char* kCategory = "Host.Triggers.Timer";

std::optional<WallTime> ParseIso(const json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return ParseIso8601(std::string(v->get_string()));
}

}  // namespace

StatusOr<std::shared_ptr<TimerListener>> TimerListener::Create(TimerListenerOptions options,
                                                               LockStore& locks, Clock& clock,
                                                               InvokeFn invoke) {
  auto schedule = TimerSchedule::Parse(options.spec.schedule);
  if (!schedule.ok()) return schedule.status();
  auto zone = TimeZone::Load(options.time_zone);
  if (!zone.ok()) {
    return InvalidArgument("WEBSITE_TIME_ZONE: " + zone.status().message());
  }
  auto shared_schedule = std::make_shared<TimerSchedule>(std::move(*schedule));
  auto shared_zone = std::make_shared<TimeZone>(std::move(*zone));
  NextFn next = [shared_schedule, shared_zone](WallTime after) {
    return shared_schedule->Next(after, *shared_zone);
  };
  return std::make_shared<TimerListener>(std::move(options), locks, clock, std::move(invoke),
                                         std::move(next));
}

TimerListener::TimerListener(TimerListenerOptions options, LockStore& locks, Clock& clock,
                             InvokeFn invoke, NextFn next)
    : options_(std::move(options)),
      locks_(locks),
      clock_(clock),
      invoke_(std::move(invoke)),
      next_(std::move(next)) {}

std::string TimerListener::lock_name() const {
  return fmt::format("timers/{}/{}", options_.app_name, options_.spec.function->name);
}

std::string TimerListener::status_key() const {
  return fmt::format("timers/{}/{}/status", options_.app_name, options_.spec.function->name);
}

std::int64_t TimerListener::fired() const {
  std::lock_guard lock(const_cast<std::mutex&>(mu_));
  return fired_;
}

void TimerListener::Start() {
  {
    std::lock_guard lock(mu_);
    if (!stopped_) return;
    stopped_ = false;
    past_due_checked_ = !options_.spec.use_monitor;
  }
  WallTime now = clock_.WallNow();
  if (options_.spec.run_on_startup) TryFire(now, /*past_due=*/false, /*startup_run=*/true);
  CheckPastDue();
  ScheduleNext(now);
}

void TimerListener::CheckPastDue() {
  {
    std::lock_guard lock(mu_);
    check_timer_ = kNoTimer;
    if (stopped_ || past_due_checked_) return;
  }
  auto self = shared_from_this();
  locks_.TryAcquire(lock_name(), options_.owner, options_.lock_duration, [self](StatusOr<bool> held) {
    if (!held.ok() || !*held) {
      // Another instance holds the schedule (or a killed host's lease has not lapsed yet).
      std::lock_guard lock(self->mu_);
      if (self->stopped_ || self->past_due_checked_) return;
      std::weak_ptr<TimerListener> weak = self;
      self->check_timer_ = self->clock_.Schedule(self->options_.lock_duration / 3, [weak] {
        if (auto me = weak.lock()) me->CheckPastDue();
      });
      return;
    }
    {
      std::lock_guard lock(self->mu_);
      self->held_ = true;
    }
    self->locks_.ReadState(self->status_key(), [self](StatusOr<std::optional<std::string>> text) {
      if (!text.ok()) return;
      WallTime now = self->clock_.WallNow();
      {
        std::lock_guard lock(self->mu_);
        if (self->past_due_checked_) return;
        self->past_due_checked_ = true;
      }
      auto status = ParseStatus(*text);
      if (status && status->next && *status->next < now &&
          (!status->last || *status->last < *status->next)) {
        self->Claimed(*status->next, status->last, /*past_due=*/true);
      }
    });
  });
}

void TimerListener::Stop() {
  bool held;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    clock_.Cancel(timer_);
    clock_.Cancel(check_timer_);
    timer_ = check_timer_ = kNoTimer;
    held = held_;
  }
  // Hand the schedule over at once rather than after the lease (a graceful stop).
  if (held) locks_.Release(lock_name(), options_.owner, [](Status) {});
}

void TimerListener::ScheduleNext(WallTime after) {
  std::optional<WallTime> next = next_(after);
  std::lock_guard lock(mu_);
  if (stopped_) return;
  if (!next) {
    LogWarn(kCategory, "function '{}': the schedule '{}' has no further occurrence",
            options_.spec.function->name, options_.spec.schedule);
    return;
  }
  Duration delay = std::max(Duration::zero(), *next - clock_.WallNow());
  auto self = weak_from_this();
  WallTime occurrence = *next;
  clock_.Cancel(timer_);
  timer_ = clock_.Schedule(delay, [self, occurrence] {
    if (auto me = self.lock()) me->OnDue(occurrence);
  });
}

void TimerListener::OnDue(WallTime occurrence) {
  {
    std::lock_guard lock(mu_);
    timer_ = kNoTimer;
    if (stopped_) return;
  }
  // The timer runs on the monotonic clock; if the wall clock is behind, wait the rest.
  if (clock_.WallNow() < occurrence) {
    std::lock_guard lock(mu_);
    auto self = weak_from_this();
    timer_ = clock_.Schedule(occurrence - clock_.WallNow(), [self, occurrence] {
      if (auto me = self.lock()) me->OnDue(occurrence);
    });
    return;
  }
  TryFire(occurrence, /*past_due=*/false, /*startup_run=*/false);
  ScheduleNext(occurrence);
}

void TimerListener::TryFire(WallTime occurrence, bool past_due, bool startup_run) {
  auto self = shared_from_this();
  locks_.TryAcquire(
      lock_name(), options_.owner, options_.lock_duration,
      [self, occurrence, past_due, startup_run](StatusOr<bool> held) {
        if (!held.ok()) {
          LogWarn(kCategory, "function '{}': taking the schedule lock failed: {}; skipping {}",
                  self->options_.spec.function->name, held.status().message(),
                  FormatIso8601(occurrence));
          return;
        }
        {
          std::lock_guard lock(self->mu_);
          self->held_ = *held;
        }
        if (!*held) return;  // another instance runs this schedule
        self->locks_.ReadState(
            self->status_key(),
            [self, occurrence, past_due, startup_run](StatusOr<std::optional<std::string>> text) {
              if (!text.ok()) {
                LogWarn(kCategory, "function '{}': reading the schedule status failed: {}",
                        self->options_.spec.function->name, text.status().message());
                return;
              }
              auto status = ParseStatus(*text);
              std::optional<WallTime> previous = status ? status->last : std::nullopt;
              // Claimed already (by us or an instance whose lease lapsed since): once only.
              if (!startup_run && previous && *previous >= occurrence) return;
              bool late = past_due;
              {
                std::lock_guard lock(self->mu_);
                if (!self->past_due_checked_ && !startup_run) {
                  // The first hold of the schedule: an earlier occurrence was missed, so this
                  // run is the catch-up (one run, IsPastDue) as at start.
                  self->past_due_checked_ = true;
                  late = late || (status && status->next && *status->next < occurrence &&
                                  (!previous || *previous < *status->next));
                }
              }
              self->Claimed(occurrence, previous, late);
            });
      });
}

void TimerListener::Claimed(WallTime occurrence, std::optional<WallTime> previous,
                            bool past_due) {
  WallTime now = clock_.WallNow();
  std::optional<WallTime> next = next_(std::max(occurrence, now));
  json::object record;
  record["Last"] = FormatIso8601(occurrence);
  if (next) record["Next"] = FormatIso8601(*next);
  record["LastUpdated"] = FormatIso8601(now);
  auto self = shared_from_this();
  locks_.WriteState(status_key(), json::serialize(record),
                    [self, occurrence, previous, next, past_due, now](Status written) {
                      if (!written.ok()) {
                        LogWarn(kCategory, "function '{}': recording the schedule status "
                                "failed: {}; skipping {}", self->options_.spec.function->name,
                                written.message(), FormatIso8601(occurrence));
                        return;
                      }
                      TimerInfo info;
                      info.last = previous.value_or(WallTime{});
                      info.next = next.value_or(WallTime{});
                      info.last_updated = now;
                      info.is_past_due = past_due;
                      const FunctionConfig& fn = *self->options_.spec.function;
                      std::string body = BuildTimerInvocation(
                          fn, self->options_.spec.binding_name, info, self->clock_.WallNow(),
                          FastUuid());
                      {
                        std::lock_guard lock(self->mu_);
                        ++self->fired_;
                      }
                      if (past_due) {
                        LogInfo(kCategory, "function '{}': occurrence {} was missed; running it "
                                "now (IsPastDue)", fn.name, FormatIso8601(occurrence));
                      }
                      self->invoke_(std::move(body), [self](StatusOr<std::string> result) {
                        if (!result.ok()) {
                          LogWarn(kCategory, "function '{}' failed: {}",
                                  self->options_.spec.function->name,
                                  result.status().message());
                        }
                      });
                    });
}

std::optional<TimerListener::Status_> TimerListener::ParseStatus(
    const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  Status_ s;
  s.last = ParseIso(o.if_contains("Last"));
  s.next = ParseIso(o.if_contains("Next"));
  s.last_updated = ParseIso(o.if_contains("LastUpdated"));
  return s;
}

}  // namespace squall
