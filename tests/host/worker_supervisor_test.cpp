#include "host/worker_supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using State = WorkerSupervisor::State;

// ---------------------------------------------------------------------------------------------
// A scripted launcher. Every Launch makes a FakeWorker the test can look at (Terminate/Kill
// counts) and end (Exit() runs the supervisor's on_exit, as the process reaper would).

struct FakeWorker {
  int port = 0;
  int pid = 0;
  MonoTime launched_at{};
  int terminates = 0;
  int kills = 0;
  bool exited = false;
  std::function<void(std::string)> on_exit;

  void Exit(std::string how = "exited with code 1") {
    ASSERT_FALSE(exited) << "worker pid " << pid << " exited twice";
    exited = true;
    auto cb = on_exit;
    cb(std::move(how));
  }
};

class FakeHandle final : public WorkerHandle {
 public:
  explicit FakeHandle(std::shared_ptr<FakeWorker> w) : w_(std::move(w)) {}
  int pid() const override { return w_->pid; }
  void Terminate() override { ++w_->terminates; }
  void Kill() override { ++w_->kills; }

 private:
  std::shared_ptr<FakeWorker> w_;
};

class FakeLauncher final : public WorkerLauncher {
 public:
  explicit FakeLauncher(Clock& clock) : clock_(clock) {}

  // Scripting.
  int fail_next_ports = 0;     // PickPort fails this many more times
  int fail_next_launches = 0;  // Launch fails this many more times
  bool hold_probes = false;    // true: Probe stores done in held; false: answers `listening` at once
  bool listening = true;

  // Observations.
  int next_port = 50000;
  int pick_calls = 0;
  std::vector<MonoTime> launch_attempts;  // every Launch call, failed or not
  std::vector<std::shared_ptr<FakeWorker>> workers;  // successful launches
  std::vector<MonoTime> probe_times;
  std::vector<int> probe_ports;
  std::deque<std::function<void(bool)>> held;

  StatusOr<int> PickPort() override {
    ++pick_calls;
    if (fail_next_ports > 0) {
      --fail_next_ports;
      return Unavailable("no free port");
    }
    return next_port++;
  }

  StatusOr<std::unique_ptr<WorkerHandle>> Launch(
      int port, std::function<void(std::string how)> on_exit) override {
    launch_attempts.push_back(clock_.Now());
    if (fail_next_launches > 0) {
      --fail_next_launches;
      return Internal("exec failed: No such file or directory");
    }
    auto w = std::make_shared<FakeWorker>();
    w->port = port;
    w->pid = 1000 + static_cast<int>(workers.size());
    w->launched_at = clock_.Now();
    w->on_exit = std::move(on_exit);
    workers.push_back(w);
    return std::unique_ptr<WorkerHandle>(std::make_unique<FakeHandle>(w));
  }

  void Probe(int port, std::function<void(bool)> done) override {
    probe_times.push_back(clock_.Now());
    probe_ports.push_back(port);
    if (hold_probes) {
      held.push_back(std::move(done));
    } else {
      done(listening);
    }
  }

  // Answers the oldest held probe.
  void AnswerProbe(bool ok) {
    ASSERT_FALSE(held.empty()) << "no probe is pending";
    auto done = std::move(held.front());
    held.pop_front();
    done(ok);
  }

  FakeWorker& last() { return *workers.back(); }

 private:
  Clock& clock_;
};

WorkerSupervisorOptions TestOptions() {
  WorkerSupervisorOptions o;
  o.initialization_timeout = 5s;
  o.backoff_initial = 1s;
  o.backoff_max = 60s;
  o.healthy_after = 60s;
  o.probe_first_interval = 20ms;  // most tests: a fixed interval (the backoff has its own test)
  o.probe_interval = 20ms;
  o.stop_grace = 5s;
  return o;
}

// Collects WhenReady results.
struct Results {
  std::vector<StatusOr<WorkerEndpoint>> got;
  std::vector<MonoTime> at;
  WorkerSupervisor::ReadyCallback Callback(Clock& clock) {
    return [this, &clock](StatusOr<WorkerEndpoint> r) {
      got.push_back(std::move(r));
      at.push_back(clock.Now());
    };
  }
  std::size_t size() const { return got.size(); }
};

class WorkerSupervisorTest : public ::testing::Test {
 protected:
  explicit WorkerSupervisorTest(WorkerSupervisorOptions options = TestOptions())
      : options_(options),
        launcher_(clock_),
        supervisor_(std::make_unique<WorkerSupervisor>(clock_, launcher_, options)) {}

  MonoTime T(Duration d) const { return MonoTime{} + d; }
  Duration Elapsed() const { return clock_.Now() - MonoTime{}; }
  WorkerSupervisor& sup() { return *supervisor_; }

  // WhenReady from a ready supervisor answers at once; returns the endpoint.
  WorkerEndpoint ReadyEndpoint() {
    Results r;
    sup().WhenReady(1s, r.Callback(clock_));
    EXPECT_EQ(r.size(), 1u) << "WhenReady did not answer at once";
    if (r.size() != 1 || !r.got[0].ok()) {
      ADD_FAILURE() << "not ready";
      return {};
    }
    return *r.got[0];
  }

  // A supervisor whose probes start after 1 ms and back off to 20 ms, started on a worker that
  // does not listen.
  void StartWithProbeBackoff() {
    WorkerSupervisorOptions o = TestOptions();
    o.probe_first_interval = 1ms;
    o.probe_interval = 20ms;
    supervisor_ = std::make_unique<WorkerSupervisor>(clock_, launcher_, o);
    launcher_.listening = false;
    sup().Start();
  }

  SimulatedClock clock_;
  WorkerSupervisorOptions options_;
  FakeLauncher launcher_;
  std::unique_ptr<WorkerSupervisor> supervisor_;
};

// ---------------------------------------------------------------------------------------------
// Starting and becoming ready

TEST_F(WorkerSupervisorTest, IdleUntilStarted) {
  EXPECT_EQ(sup().state(), State::kIdle);
  EXPECT_EQ(sup().pid(), -1);
  EXPECT_EQ(sup().restarts(), 0);
  clock_.Advance(1h);
  EXPECT_TRUE(launcher_.launch_attempts.empty());
}

TEST_F(WorkerSupervisorTest, StartLaunchesOnPickedPortAndProbesIt) {
  launcher_.hold_probes = true;
  sup().Start();
  ASSERT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(launcher_.last().port, 50000);
  EXPECT_EQ(sup().state(), State::kStarting);
  EXPECT_EQ(sup().pid(), launcher_.last().pid);
  ASSERT_EQ(launcher_.probe_ports.size(), 1u);
  EXPECT_EQ(launcher_.probe_ports[0], 50000);
  EXPECT_EQ(launcher_.probe_times[0], T(0s));
}

TEST_F(WorkerSupervisorTest, StartTwiceLaunchesOnce) {
  launcher_.hold_probes = true;
  sup().Start();
  sup().Start();
  EXPECT_EQ(launcher_.launch_attempts.size(), 1u);
}

TEST_F(WorkerSupervisorTest, ReadyAfterProbeSucceeds) {
  launcher_.hold_probes = true;
  sup().Start();
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  EXPECT_EQ(r.size(), 0u);

  launcher_.AnswerProbe(false);
  EXPECT_EQ(sup().state(), State::kStarting);
  EXPECT_EQ(r.size(), 0u);
  // The next probe comes probe_interval after the failed one, not before.
  clock_.Advance(19ms);
  EXPECT_EQ(launcher_.probe_times.size(), 1u);
  clock_.Advance(1ms);
  ASSERT_EQ(launcher_.probe_times.size(), 2u);
  EXPECT_EQ(launcher_.probe_times[1], T(20ms));
  EXPECT_EQ(launcher_.probe_ports[1], 50000);

  launcher_.AnswerProbe(true);
  EXPECT_EQ(sup().state(), State::kReady);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r.got[0].ok()) << r.got[0].status().ToString();
  EXPECT_EQ(r.got[0]->port, 50000);
  EXPECT_EQ(r.got[0]->generation, 1u);
  EXPECT_EQ(r.at[0], T(20ms));
}

TEST_F(WorkerSupervisorTest, ReprobesEveryProbeIntervalUntilListening) {
  launcher_.listening = false;
  sup().Start();
  clock_.Advance(100ms);
  // t = 0, 20, 40, 60, 80, 100 ms
  ASSERT_EQ(launcher_.probe_times.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(launcher_.probe_times[i], T(i * 20ms)) << i;
  EXPECT_EQ(sup().state(), State::kStarting);

  launcher_.listening = true;
  clock_.Advance(19ms);
  EXPECT_EQ(sup().state(), State::kStarting);
  clock_.Advance(1ms);
  EXPECT_EQ(sup().state(), State::kReady);
  // Once ready, probing stops.
  std::size_t probes = launcher_.probe_times.size();
  clock_.Advance(10s);
  EXPECT_EQ(launcher_.probe_times.size(), probes);
}

TEST_F(WorkerSupervisorTest, ProbesSoonAfterTheStartThenBackOffToTheInterval) {
  StartWithProbeBackoff();  // a worker that is not listening yet
  clock_.Advance(6ms);
  // Each wait a quarter longer: 1, 1.25, 1.5625, 1.953125 ms.
  ASSERT_EQ(launcher_.probe_times.size(), 5u);
  EXPECT_EQ(launcher_.probe_times[1], T(1ms));
  EXPECT_EQ(launcher_.probe_times[2], T(2250us));
  EXPECT_EQ(launcher_.probe_times[3], T(3812500ns));
  EXPECT_EQ(launcher_.probe_times[4], T(5765625ns));
  // A worker that listens from now on is seen at the next probe, 2.44 ms later, not 20 ms.
  launcher_.listening = true;
  clock_.Advance(2441406ns);
  EXPECT_EQ(sup().state(), State::kReady);
}

TEST_F(WorkerSupervisorTest, AWorkerThatNeverListensIsProbedEveryProbeInterval) {
  StartWithProbeBackoff();  // a worker that is not listening yet
  clock_.Advance(2s);
  const auto& t = launcher_.probe_times;
  // ~14 probes while the waits grow to 20 ms (96 ms), then one per 20 ms.
  ASSERT_GT(t.size(), 100u);
  EXPECT_LE(t.size(), 112u);  // a fixed 1 ms would be 2000
  EXPECT_EQ(t[t.size() - 1] - t[t.size() - 2], 20ms);
  EXPECT_EQ(sup().state(), State::kStarting);
}

TEST_F(WorkerSupervisorTest, WhenReadyAnswersAtOnceWhenReady) {
  sup().Start();  // listening: ready at once
  ASSERT_EQ(sup().state(), State::kReady);
  Results r;
  sup().WhenReady(0s, r.Callback(clock_));
  ASSERT_EQ(r.size(), 1u);  // synchronously, without advancing the clock
  ASSERT_TRUE(r.got[0].ok());
  EXPECT_EQ(r.got[0]->port, 50000);
  EXPECT_EQ(r.got[0]->generation, 1u);
  EXPECT_EQ(clock_.pending(), 0u);  // no waiter timer left behind
}

TEST_F(WorkerSupervisorTest, WaitersQueuedWhileStartingAreServedInOrderOnReady) {
  launcher_.hold_probes = true;
  sup().Start();
  std::vector<int> order;
  std::vector<StatusOr<WorkerEndpoint>> got;
  for (int i = 0; i < 3; ++i) {
    sup().WhenReady(10s, [&, i](StatusOr<WorkerEndpoint> e) {
      order.push_back(i);
      got.push_back(std::move(e));
    });
  }
  clock_.Advance(1s);
  EXPECT_TRUE(order.empty());
  // held[0] is the first probe; answer the pending re-probes as failures until we are at the
  // latest, then succeed.
  while (launcher_.held.size() > 1) launcher_.AnswerProbe(false);
  launcher_.AnswerProbe(true);
  EXPECT_THAT(order, ::testing::ElementsAre(0, 1, 2));
  for (auto& e : got) {
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->port, 50000);
    EXPECT_EQ(e->generation, 1u);
  }
  // Their timeouts were cancelled: nothing more is delivered later.
  clock_.Advance(1min);
  EXPECT_EQ(order.size(), 3u);
}

TEST_F(WorkerSupervisorTest, WaiterTimesOutWithUnavailableAfterMaxWait) {
  launcher_.listening = false;
  sup().Start();
  Results r;
  sup().WhenReady(2s, r.Callback(clock_));
  clock_.Advance(2s - 1ns);
  EXPECT_EQ(r.size(), 0u);
  clock_.Advance(1ns);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r.got[0].ok());
  EXPECT_EQ(r.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.at[0], T(2s));
  // Becoming ready later does not call it again.
  launcher_.listening = true;
  clock_.Advance(20ms);
  ASSERT_EQ(sup().state(), State::kReady);
  EXPECT_EQ(r.size(), 1u);
}

TEST_F(WorkerSupervisorTest, EachWaiterHasItsOwnDeadline) {
  launcher_.listening = false;
  sup().Start();
  Results short_wait, long_wait;
  sup().WhenReady(1s, short_wait.Callback(clock_));
  sup().WhenReady(3s, long_wait.Callback(clock_));
  clock_.Advance(2s);
  ASSERT_EQ(short_wait.size(), 1u);
  EXPECT_EQ(short_wait.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(long_wait.size(), 0u);
  launcher_.listening = true;
  clock_.Advance(20ms);
  ASSERT_EQ(long_wait.size(), 1u);
  ASSERT_TRUE(long_wait.got[0].ok());
  EXPECT_EQ(long_wait.got[0]->port, 50000);
  EXPECT_EQ(short_wait.size(), 1u);
}

TEST_F(WorkerSupervisorTest, WhenReadyBeforeStartWaitsForTheWorker) {
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  EXPECT_EQ(r.size(), 0u);
  clock_.Advance(1s);
  sup().Start();
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r.got[0].ok());
  EXPECT_EQ(r.got[0]->port, 50000);
}

class WorkerSupervisorSmallQueueTest : public WorkerSupervisorTest {
 protected:
  static WorkerSupervisorOptions Options() {
    auto o = TestOptions();
    o.max_waiters = 2;
    return o;
  }
  WorkerSupervisorSmallQueueTest() : WorkerSupervisorTest(Options()) {}
};

TEST_F(WorkerSupervisorSmallQueueTest, TooManyWaitersAreTurnedAwayAtOnce) {
  launcher_.hold_probes = true;
  sup().Start();
  Results a, b, c;
  sup().WhenReady(10s, a.Callback(clock_));
  sup().WhenReady(10s, b.Callback(clock_));
  sup().WhenReady(10s, c.Callback(clock_));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.size(), 0u);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.got[0].status().code(), StatusCode::kUnavailable);
  launcher_.AnswerProbe(true);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(a.got[0].ok());
  EXPECT_TRUE(b.got[0].ok());
}

// ---------------------------------------------------------------------------------------------
// Initialization timeout

TEST_F(WorkerSupervisorTest, InitTimeoutKillsWorkerFailsWaitersThenRestartsAfterBackoff) {
  launcher_.listening = false;
  sup().Start();
  Results r;
  sup().WhenReady(1min, r.Callback(clock_));
  clock_.Advance(5s - 1ns);
  EXPECT_EQ(launcher_.last().kills, 0);
  EXPECT_EQ(r.size(), 0u);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.last().kills, 1);
  EXPECT_EQ(launcher_.last().terminates, 0);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.at[0], T(5s));

  // The kill is reported a little later; the restart waits backoff_initial from then.
  clock_.Advance(10ms);
  launcher_.last().Exit("killed by signal 9");
  EXPECT_EQ(sup().state(), State::kBackoff);
  EXPECT_EQ(sup().restarts(), 1);
  EXPECT_EQ(sup().pid(), -1);
  clock_.Advance(1s - 1ns);
  EXPECT_EQ(launcher_.workers.size(), 1u);
  launcher_.listening = true;
  clock_.Advance(1ns);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  EXPECT_EQ(launcher_.last().launched_at, T(5s + 10ms + 1s));
  EXPECT_EQ(launcher_.last().port, 50001);
  EXPECT_EQ(sup().state(), State::kReady);
  WorkerEndpoint ep = ReadyEndpoint();
  EXPECT_EQ(ep.port, 50001);
  EXPECT_EQ(ep.generation, 2u);
}

TEST_F(WorkerSupervisorTest, ReadyBeforeInitTimeoutCancelsIt) {
  launcher_.listening = false;
  sup().Start();
  clock_.Advance(4s);
  launcher_.listening = true;
  clock_.Advance(20ms);
  ASSERT_EQ(sup().state(), State::kReady);
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.last().kills, 0);
  EXPECT_EQ(sup().state(), State::kReady);
}

TEST_F(WorkerSupervisorTest, ProbeSucceedingAfterInitTimeoutKillDoesNotMakeTheWorkerReady) {
  // The init timeout has killed the worker; until its exit is reported a late successful probe
  // must not declare the killed worker ready (waiters would be sent to a dying process).
  launcher_.listening = false;
  sup().Start();
  clock_.Advance(5s);
  ASSERT_EQ(launcher_.last().kills, 1);
  launcher_.listening = true;
  clock_.Advance(100ms);
  EXPECT_NE(sup().state(), State::kReady);
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  EXPECT_EQ(r.size(), 0u);
  launcher_.last().Exit("killed by signal 9");
  clock_.Advance(1s);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r.got[0].ok());
  EXPECT_EQ(r.got[0]->generation, 2u);
  EXPECT_EQ(r.got[0]->port, 50001);
}

// ---------------------------------------------------------------------------------------------
// Crashes and backoff

TEST_F(WorkerSupervisorTest, CrashBackoffDoublesAndIsCappedAt60s) {
  sup().Start();
  ASSERT_EQ(sup().state(), State::kReady);
  const Duration expected[] = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  int i = 0;
  for (Duration delay : expected) {
    SCOPED_TRACE(::testing::Message() << "crash #" << i + 1);
    clock_.Advance(500ms);  // up for a while, much less than healthy_after
    MonoTime crashed = clock_.Now();
    launcher_.last().Exit("exited with code 1");
    EXPECT_EQ(sup().state(), State::kBackoff);
    EXPECT_EQ(sup().restarts(), i + 1);
    std::size_t launched = launcher_.workers.size();
    clock_.Advance(delay - 1ns);
    ASSERT_EQ(launcher_.workers.size(), launched) << "restarted too early";
    clock_.Advance(1ns);
    ASSERT_EQ(launcher_.workers.size(), launched + 1) << "not restarted after " << delay.count();
    EXPECT_EQ(launcher_.last().launched_at, crashed + delay);
    EXPECT_EQ(sup().state(), State::kReady);
    ++i;
  }
  EXPECT_EQ(ReadyEndpoint().generation, 10u);
}

TEST_F(WorkerSupervisorTest, CrashWhileStartingFailsWaitersAtOnce) {
  // A worker that dies before it ever accepted a request will likely do so again: callers get a
  // prompt 503 rather than waiting out the initialization timeout.
  launcher_.listening = false;
  sup().Start();
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  clock_.Advance(500ms);
  launcher_.last().Exit("exited with code 2");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.got[0].status().message().find("during start-up"), std::string::npos);
  EXPECT_EQ(r.at[0], T(500ms));
}

TEST_F(WorkerSupervisorTest, CrashAfterReadyKeepsNewWaitersForTheRestartedWorker) {
  sup().Start();
  ASSERT_EQ(sup().state(), State::kReady);
  clock_.Advance(5s);
  launcher_.last().Exit("exited with code 2");
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  EXPECT_EQ(r.size(), 0u);  // waits through the 1 s backoff
  clock_.Advance(1s);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r.got[0].ok());
  EXPECT_EQ(r.got[0]->generation, 2u);
  EXPECT_EQ(r.at[0], T(6s));
}

TEST_F(WorkerSupervisorTest, BackoffResetsAfterWorkerStayedHealthy) {
  sup().Start();
  // Three quick crashes: delays 1, 2, 4 s; the next would be 8 s.
  for (Duration d : {1s, 2s, 4s}) {
    launcher_.last().Exit();
    clock_.Advance(d);
  }
  ASSERT_EQ(launcher_.workers.size(), 4u);
  ASSERT_EQ(sup().state(), State::kReady);
  clock_.Advance(60s);  // healthy for exactly healthy_after
  MonoTime crashed = clock_.Now();
  launcher_.last().Exit();
  clock_.Advance(1s);
  ASSERT_EQ(launcher_.workers.size(), 5u) << "backoff was not reset to 1 s";
  EXPECT_EQ(launcher_.last().launched_at, crashed + 1s);
  // ...and doubles again from there.
  launcher_.last().Exit();
  clock_.Advance(2s - 1ns);
  EXPECT_EQ(launcher_.workers.size(), 5u);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.workers.size(), 6u);
}

TEST_F(WorkerSupervisorTest, BackoffNotResetWhenHealthyForLessThanHealthyAfter) {
  sup().Start();
  for (Duration d : {1s, 2s, 4s}) {
    launcher_.last().Exit();
    clock_.Advance(d);
  }
  ASSERT_EQ(launcher_.workers.size(), 4u);
  clock_.Advance(60s - 1ns);
  launcher_.last().Exit();
  clock_.Advance(8s - 1ns);
  EXPECT_EQ(launcher_.workers.size(), 4u);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.workers.size(), 5u);
}

TEST_F(WorkerSupervisorTest, HealthyTimeCountsFromReadyNotFromLaunch) {
  launcher_.listening = false;
  sup().Start();
  for (Duration d : {1s, 2s}) {  // crash while starting: delays 1, 2 s; next would be 4 s
    launcher_.last().Exit();
    clock_.Advance(d);
  }
  ASSERT_EQ(launcher_.workers.size(), 3u);
  clock_.Advance(4s);  // starting for 4 s...
  launcher_.listening = true;
  clock_.Advance(20ms);  // ...then ready
  ASSERT_EQ(sup().state(), State::kReady);
  clock_.Advance(60s - 20ms);  // launched 64 s ago but ready for < 60 s
  launcher_.last().Exit();
  clock_.Advance(4s - 1ns);
  EXPECT_EQ(launcher_.workers.size(), 3u);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.workers.size(), 4u);
}

TEST_F(WorkerSupervisorTest, ExitReportedForAnOldGenerationIsIgnored) {
  launcher_.hold_probes = true;
  sup().Start();
  std::shared_ptr<FakeWorker> first = launcher_.workers[0];
  launcher_.AnswerProbe(true);
  ASSERT_EQ(sup().state(), State::kReady);
  first->Exit();
  clock_.Advance(1s);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  launcher_.AnswerProbe(true);
  ASSERT_EQ(sup().state(), State::kReady);
  // A duplicate / late exit notification for generation 1 must not disturb generation 2.
  first->exited = false;
  first->Exit("late duplicate");
  EXPECT_EQ(sup().state(), State::kReady);
  EXPECT_EQ(sup().restarts(), 1);
  clock_.Advance(1min);
  EXPECT_EQ(launcher_.workers.size(), 2u);
}

TEST_F(WorkerSupervisorTest, ProbeAnswerForAnOldGenerationIsIgnored) {
  launcher_.hold_probes = true;
  sup().Start();
  launcher_.last().Exit();  // generation 1 dies while its probe is in flight
  clock_.Advance(1s);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  ASSERT_EQ(launcher_.held.size(), 2u);
  launcher_.AnswerProbe(true);  // generation 1's probe
  EXPECT_EQ(sup().state(), State::kStarting);
  launcher_.AnswerProbe(true);  // generation 2's probe
  EXPECT_EQ(sup().state(), State::kReady);
  EXPECT_EQ(ReadyEndpoint().generation, 2u);
}

// ---------------------------------------------------------------------------------------------
// Launch failures

TEST_F(WorkerSupervisorTest, LaunchFailureFailsWaitersAndRetriesWithBackoff) {
  launcher_.fail_next_launches = 3;
  Results r;
  sup().WhenReady(1min, r.Callback(clock_));
  sup().Start();
  EXPECT_EQ(sup().state(), State::kBackoff);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.got[0].status().message(), ::testing::HasSubstr("exec failed"));

  clock_.Advance(1min);
  // Attempts at 0, 1, 1+2, 1+2+4 s; the fourth succeeds.
  ASSERT_EQ(launcher_.launch_attempts.size(), 4u);
  EXPECT_EQ(launcher_.launch_attempts[0], T(0s));
  EXPECT_EQ(launcher_.launch_attempts[1], T(1s));
  EXPECT_EQ(launcher_.launch_attempts[2], T(3s));
  EXPECT_EQ(launcher_.launch_attempts[3], T(7s));
  ASSERT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(sup().state(), State::kReady);
}

TEST_F(WorkerSupervisorTest, PortPickFailureRetriesWithBackoff) {
  launcher_.fail_next_ports = 2;
  sup().Start();
  EXPECT_EQ(sup().state(), State::kBackoff);
  EXPECT_TRUE(launcher_.launch_attempts.empty());  // no port, no launch
  clock_.Advance(1s);
  EXPECT_EQ(launcher_.pick_calls, 2);
  EXPECT_TRUE(launcher_.launch_attempts.empty());
  clock_.Advance(2s - 1ns);
  EXPECT_EQ(launcher_.pick_calls, 2);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.pick_calls, 3);
  ASSERT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(launcher_.last().launched_at, T(3s));
  EXPECT_EQ(sup().state(), State::kReady);
}

// ---------------------------------------------------------------------------------------------
// Restart(generation)

TEST_F(WorkerSupervisorTest, RestartKillsAndRestartsAtOnceWithNewGeneration) {
  sup().Start();
  WorkerEndpoint before = ReadyEndpoint();
  ASSERT_EQ(before.generation, 1u);
  clock_.Advance(3s);
  sup().Restart(before.generation, "invocation exceeded functionTimeout");
  EXPECT_EQ(launcher_.last().kills, 1);
  EXPECT_EQ(launcher_.last().terminates, 0);
  launcher_.last().Exit("killed by signal 9");
  clock_.Advance(0s);  // no backoff: the restart is due right now
  ASSERT_EQ(launcher_.workers.size(), 2u);
  EXPECT_EQ(launcher_.last().launched_at, T(3s));
  WorkerEndpoint after = ReadyEndpoint();
  EXPECT_EQ(after.generation, 2u);
  EXPECT_EQ(after.port, 50001);
  EXPECT_EQ(sup().restarts(), 1);
}

TEST_F(WorkerSupervisorTest, RestartDoesNotGrowTheCrashBackoff) {
  sup().Start();
  for (int i = 0; i < 3; ++i) {
    sup().Restart(ReadyEndpoint().generation, "hung");
    launcher_.last().Exit("killed by signal 9");
    clock_.Advance(0s);
    ASSERT_EQ(launcher_.workers.size(), static_cast<std::size_t>(i + 2));
  }
  // A real crash now still waits only backoff_initial.
  launcher_.last().Exit("exited with code 1");
  clock_.Advance(1s - 1ns);
  EXPECT_EQ(launcher_.workers.size(), 4u);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.workers.size(), 5u);
}

TEST_F(WorkerSupervisorTest, RestartWhileStartingRestartsAtOnce) {
  launcher_.listening = false;
  sup().Start();
  clock_.Advance(1s);
  sup().Restart(1, "stuck");
  EXPECT_EQ(launcher_.last().kills, 1);
  launcher_.last().Exit("killed by signal 9");
  clock_.Advance(0s);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  // The first worker's init timeout (due at 5 s) was cancelled with it.
  clock_.Advance(4s);
  EXPECT_EQ(launcher_.last().kills, 0);
}

TEST_F(WorkerSupervisorTest, RestartWithStaleGenerationIsIgnored) {
  sup().Start();
  ASSERT_EQ(ReadyEndpoint().generation, 1u);
  sup().Restart(0, "stale");
  sup().Restart(2, "from the future");
  EXPECT_EQ(launcher_.last().kills, 0);

  sup().Restart(1, "hung");
  launcher_.last().Exit("killed by signal 9");
  clock_.Advance(0s);
  ASSERT_EQ(launcher_.workers.size(), 2u);
  ASSERT_EQ(ReadyEndpoint().generation, 2u);
  // An invocation that started on generation 1 reports late: generation 2 is left alone.
  sup().Restart(1, "late report");
  EXPECT_EQ(launcher_.last().kills, 0);
  clock_.Advance(1min);
  EXPECT_EQ(launcher_.workers.size(), 2u);
  EXPECT_EQ(sup().state(), State::kReady);
}

TEST_F(WorkerSupervisorTest, RestartTwiceForTheSameGenerationKillsOnce) {
  sup().Start();
  sup().Restart(1, "first timeout");
  sup().Restart(1, "second timeout");
  EXPECT_EQ(launcher_.last().kills, 1);
  launcher_.last().Exit();
  clock_.Advance(0s);
  EXPECT_EQ(launcher_.workers.size(), 2u);
  EXPECT_EQ(sup().restarts(), 1);
}

TEST_F(WorkerSupervisorTest, RestartDuringBackoffIsIgnored) {
  sup().Start();
  launcher_.last().Exit();
  ASSERT_EQ(sup().state(), State::kBackoff);
  sup().Restart(1, "too late");
  clock_.Advance(0s);
  EXPECT_EQ(launcher_.workers.size(), 1u);  // still waits for the backoff
  clock_.Advance(1s);
  EXPECT_EQ(launcher_.workers.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Stop

TEST_F(WorkerSupervisorTest, StopTerminatesThenKillsAfterGraceThenCallsDoneOnExit) {
  sup().Start();
  int done = 0;
  sup().Stop([&] { ++done; });
  EXPECT_EQ(sup().state(), State::kStopping);
  EXPECT_EQ(launcher_.last().terminates, 1);
  EXPECT_EQ(launcher_.last().kills, 0);
  clock_.Advance(5s - 1ns);
  EXPECT_EQ(launcher_.last().kills, 0);
  EXPECT_EQ(done, 0);
  clock_.Advance(1ns);
  EXPECT_EQ(launcher_.last().kills, 1);
  EXPECT_EQ(done, 0);  // not until the exit is reported
  launcher_.last().Exit("killed by signal 9");
  EXPECT_EQ(done, 1);
  EXPECT_EQ(sup().state(), State::kStopped);
  EXPECT_EQ(sup().restarts(), 0);  // a stop is not a crash
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.workers.size(), 1u);  // never restarted
  EXPECT_EQ(done, 1);
}

TEST_F(WorkerSupervisorTest, StopWhenWorkerExitsWithinGraceDoesNotKill) {
  sup().Start();
  int done = 0;
  sup().Stop([&] { ++done; });
  clock_.Advance(1s);
  launcher_.last().Exit("exited with code 0");
  EXPECT_EQ(done, 1);
  EXPECT_EQ(sup().state(), State::kStopped);
  clock_.Advance(1min);
  EXPECT_EQ(launcher_.last().kills, 0);
  EXPECT_EQ(done, 1);
}

TEST_F(WorkerSupervisorTest, StopWhileStartingFailsWaitersAtOnce) {
  launcher_.hold_probes = true;
  sup().Start();
  Results r;
  sup().WhenReady(1min, r.Callback(clock_));
  int done = 0;
  sup().Stop([&] { ++done; });
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.got[0].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.at[0], T(0s));
  // A late successful probe does not revive it; the init timeout does not kill/restart it.
  launcher_.AnswerProbe(true);
  EXPECT_EQ(sup().state(), State::kStopping);
  launcher_.last().Exit("exited with code 0");
  EXPECT_EQ(done, 1);
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(sup().state(), State::kStopped);
}

TEST_F(WorkerSupervisorTest, StopDuringBackoffCompletesAtOnceAndCancelsTheRestart) {
  sup().Start();
  launcher_.last().Exit();
  ASSERT_EQ(sup().state(), State::kBackoff);
  int done = 0;
  sup().Stop([&] { ++done; });
  EXPECT_EQ(done, 1);
  EXPECT_EQ(sup().state(), State::kStopped);
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.workers.size(), 1u);
}

TEST_F(WorkerSupervisorTest, StopBeforeStartCompletesAtOnceAndStartIsThenIgnored) {
  int done = 0;
  sup().Stop([&] { ++done; });
  EXPECT_EQ(done, 1);
  EXPECT_EQ(sup().state(), State::kStopped);
  sup().Start();
  EXPECT_TRUE(launcher_.launch_attempts.empty());
}

TEST_F(WorkerSupervisorTest, StopCalledTwiceRunsBothDoneCallbacks) {
  sup().Start();
  int first = 0, second = 0;
  sup().Stop([&] { ++first; });
  sup().Stop([&] { ++second; });
  clock_.Advance(5s);
  EXPECT_EQ(launcher_.last().kills, 1);
  launcher_.last().Exit("killed by signal 9");
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(sup().state(), State::kStopped);
}

TEST_F(WorkerSupervisorTest, WhenReadyAfterStopIsUnavailable) {
  sup().Start();
  sup().Stop(nullptr);
  Results stopping;
  sup().WhenReady(10s, stopping.Callback(clock_));
  ASSERT_EQ(stopping.size(), 1u);  // at once, not after max_wait
  EXPECT_EQ(stopping.got[0].status().code(), StatusCode::kUnavailable);

  launcher_.last().Exit("exited with code 0");
  ASSERT_EQ(sup().state(), State::kStopped);
  Results stopped;
  sup().WhenReady(10s, stopped.Callback(clock_));
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(stopped.got[0].status().code(), StatusCode::kUnavailable);
}

// ---------------------------------------------------------------------------------------------
// Destruction

TEST_F(WorkerSupervisorTest, DestroyingKillsTheWorkerAndLeavesCallbacksHarmless) {
  launcher_.hold_probes = true;
  sup().Start();
  Results r;
  sup().WhenReady(10s, r.Callback(clock_));
  std::shared_ptr<FakeWorker> worker = launcher_.workers[0];
  supervisor_.reset();
  EXPECT_EQ(worker->kills, 1);
  // Everything still in flight refers to the dead supervisor: all must be no-ops (ASan checks).
  launcher_.AnswerProbe(false);
  EXPECT_EQ(clock_.pending(), 0u);  // no re-probe scheduled by a dead supervisor
  worker->Exit("killed by signal 9");
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.probe_times.size(), 1u);
  EXPECT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(r.size(), 0u);  // the waiter's timer was cancelled with the supervisor
}

TEST_F(WorkerSupervisorTest, DestroyedSupervisorIgnoresLateExitAndTimers) {
  launcher_.listening = false;
  sup().Start();
  std::shared_ptr<FakeWorker> worker = launcher_.workers[0];
  clock_.Advance(30ms);  // a re-probe timer is pending
  supervisor_.reset();
  worker->Exit("killed by signal 9");
  clock_.Advance(1h);
  EXPECT_EQ(launcher_.workers.size(), 1u);
  EXPECT_EQ(launcher_.probe_times.size(), 2u);  // t = 0 and 20 ms; none after destruction
}

TEST(WorkerSupervisorStateNameTest, Names) {
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kIdle), "Idle");
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kStarting), "Starting");
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kReady), "Ready");
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kBackoff), "Restarting");
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kStopping), "Stopping");
  EXPECT_STREQ(WorkerSupervisor::StateName(State::kStopped), "Stopped");
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

using namespace std::chrono_literals;

TEST_F(WorkerSupervisorTest, WaitsPastAWorkerTheCallerFoundDead) {
  sup().Start();
  ASSERT_EQ(sup().state(), WorkerSupervisor::State::kReady);
  Results r;
  // The caller's connection was refused: generation 1 is dead though not yet reported.
  sup().WhenReady(10s, r.Callback(clock_), /*newer_than=*/1);
  EXPECT_EQ(r.size(), 0u);
  launcher_.last().Exit("killed by signal 9 (Killed)");
  clock_.Advance(1s);  // crash backoff, then the new worker is ready
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r.got[0].ok());
  EXPECT_EQ(r.got[0]->generation, 2u);
}

}  // namespace
}  // namespace squall
