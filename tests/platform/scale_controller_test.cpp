// The scale controller against a fake instance manager and probe, on a simulated clock. The front
// door is real; its event loop is never run, so nothing here does I/O.
#include "platform/scale_controller.h"

#include <gtest/gtest.h>

#include <map>

#include "core/event_loop.h"
#include "core/simulated_clock.h"
#include "platform_fakes.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

PlanConfig Plan(PlanOptions options) {
  auto plan = ValidatePlan(options);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return *plan;
}

class ScaleControllerTest : public ::testing::Test {
 protected:
  void Make(PlanOptions plan_options) {
    ScaleControllerOptions options;
    options.plan = Plan(plan_options);
    door_ = std::make_unique<FrontDoor>(loop_, clock_, FrontDoorOptions{});
    controller_ = std::make_unique<ScaleController>(clock_, instances_, probe_, *door_, options);
    door_->SetColdRequestHook([this] { controller_->Poke(); });
  }
  int CountState(InstanceState s) {
    int n = 0;
    for (auto& r : controller_->Instances()) n += r.state == s;
    return n;
  }
  void MakeAllReady() {
    for (auto& spec : instances_.started) probe_.ready.insert(spec.id);
  }

  EventLoop loop_;
  SimulatedClock clock_;
  FakeInstances instances_;
  FakeProbe probe_;
  std::unique_ptr<FrontDoor> door_;
  std::unique_ptr<ScaleController> controller_;
};

TEST_F(ScaleControllerTest, DedicatedStartsItsFixedCountAndRoutesWhenReady) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 2;
  Make(o);
  controller_->Start();
  ASSERT_EQ(instances_.started.size(), 2u);
  EXPECT_EQ(CountState(InstanceState::kStarting), 2);
  MakeAllReady();
  clock_.Advance(100ms);
  EXPECT_EQ(CountState(InstanceState::kReady), 2);
  ASSERT_FALSE(controller_->RecentDecisions().empty());
  EXPECT_EQ(controller_->RecentDecisions()[0].to, 2);
}

TEST_F(ScaleControllerTest, AnInstanceThatDiesIsReplaced) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 1;
  Make(o);
  controller_->Start();
  MakeAllReady();
  clock_.Advance(100ms);
  ASSERT_EQ(CountState(InstanceState::kReady), 1);
  instances_.Exit("i-1", "exited unexpectedly: killed by signal 9 (Killed)");
  ASSERT_EQ(instances_.started.size(), 2u);  // replaced at once, not at the next tick
  EXPECT_EQ(instances_.started[1].id, "i-2");
}

TEST_F(ScaleControllerTest, ColdRequestStartsAnInstanceAtOnce) {
  PlanOptions o;
  o.plan = "consumption";
  Make(o);
  controller_->Start();
  EXPECT_TRUE(instances_.started.empty());  // consumption starts at zero
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/x";
  door_->Handle(std::move(r), [](HttpResponse) {});
  ASSERT_EQ(instances_.started.size(), 1u);  // the front door poked the controller
  EXPECT_EQ(door_->Buffered(), 1u);
}

TEST_F(ScaleControllerTest, InstanceWithWorkInFlightIsNotScaledIn) {
  PlanOptions o;
  o.plan = "consumption";
  o.idle_timeout = 5min;
  Make(o);
  controller_->Start();
  HttpRequest r;
  r.method = "GET";
  r.target = "/";
  door_->Handle(std::move(r), [](HttpResponse) {});
  ASSERT_EQ(instances_.started.size(), 1u);
  // The buffered request goes to the instance once it is ready; the loop is not run, so it
  // stays in flight there for the rest of the test, and the instance must be kept.
  MakeAllReady();
  clock_.Advance(100ms);
  EXPECT_EQ(CountState(InstanceState::kReady), 1);
  clock_.Advance(10min);
  EXPECT_TRUE(instances_.stopped.empty()) << "an instance with work in flight was stopped";
}

// A consumption instance made ready and left idle until its scale-in drain begins.
class DrainTest : public ScaleControllerTest {
 protected:
  void StartIdleInstance() {
    PlanOptions o;
    o.plan = "consumption";
    o.idle_timeout = 5min;
    Make(o);
    controller_->Start();
    HttpRequest r;
    r.method = "GET";
    r.target = "/";
    door_->Handle(std::move(r), [](HttpResponse) {});
    clock_.Advance(61s);  // the request gives up: no HTTP work remains
    MakeAllReady();
    clock_.Advance(1s);
    ASSERT_EQ(CountState(InstanceState::kReady), 1);
  }
};

TEST_F(DrainTest, IdleConsumptionInstanceIsDrainedAndStopped) {
  StartIdleInstance();
  clock_.Advance(4min);
  EXPECT_TRUE(instances_.stopped.empty()) << "stopped before the idle timeout";
  clock_.Advance(2min);
  ASSERT_EQ(instances_.stopped.size(), 1u);
  EXPECT_EQ(instances_.stopped[0], "i-1");
  instances_.Exit("i-1", "stopped: exited with code 0");
  EXPECT_TRUE(controller_->Instances().empty());
  EXPECT_EQ(instances_.started.size(), 1u) << "a stopped instance must not be replaced";
}

TEST_F(DrainTest, ScaleInWaitsForTheInvocationsItsHostStillRuns) {
  StartIdleInstance();
  probe_.outstanding["i-1"] = 2;  // e.g. queue messages its listener took
  clock_.Advance(6min);
  EXPECT_EQ(CountState(InstanceState::kDraining), 1);
  EXPECT_TRUE(instances_.stopped.empty()) << "stopped with queue work still running";
  EXPECT_GT(probe_.drains["i-1"], 100) << "the draining host is asked again and again";
  probe_.outstanding["i-1"] = 0;
  clock_.Advance(200ms);
  ASSERT_EQ(instances_.stopped.size(), 1u);
  int asked = probe_.drains["i-1"];
  clock_.Advance(1s);
  EXPECT_EQ(probe_.drains["i-1"], asked) << "no drain polls after the stop";
}

TEST_F(DrainTest, TheLastCountersOfAStoppedInstanceAreHandedOn) {
  StartIdleInstance();
  std::vector<std::pair<std::string, std::int64_t>> finals;
  controller_->SetFinalCountersHook([&](const InstanceInfo& i, std::int64_t n, Duration) {
    finals.emplace_back(i.id, n);
  });
  probe_.executions["i-1"] = {42, 3s};
  clock_.Advance(6min);
  ASSERT_EQ(instances_.stopped.size(), 1u);
  EXPECT_EQ(finals, (std::vector<std::pair<std::string, std::int64_t>>{{"i-1", 42}}));
}

TEST_F(DrainTest, AHostThatDoesNotAnswerItsDrainIsStopped) {
  StartIdleInstance();
  probe_.silent.insert("i-1");
  clock_.Advance(6min);
  EXPECT_EQ(instances_.stopped.size(), 1u);
}

TEST_F(DrainTest, TheDrainGraceEndsAHostThatNeverFinishes) {
  StartIdleInstance();
  probe_.outstanding["i-1"] = 3;
  clock_.Advance(6min);
  ASSERT_TRUE(instances_.stopped.empty());
  clock_.Advance(10min);  // consumption's drain grace
  EXPECT_EQ(instances_.stopped.size(), 1u);
}

TEST_F(ScaleControllerTest, PremiumKeepsItsAlwaysReadyFloor) {
  PlanOptions o;
  o.plan = "premium";
  o.sku = "EP1";
  o.always_ready = 1;
  Make(o);
  controller_->Start();
  ASSERT_EQ(instances_.started.size(), 2u);  // the always-ready one and the pre-warmed buffer
  MakeAllReady();
  clock_.Advance(1h);
  EXPECT_EQ(CountState(InstanceState::kReady), 1);
  EXPECT_EQ(CountState(InstanceState::kPrewarmed), 1);  // warm, not routed
  EXPECT_TRUE(instances_.stopped.empty());
  EXPECT_EQ(instances_.started[0].limits.memory_bytes, 3584LL << 20);  // EP1: 3.5 GB
  EXPECT_DOUBLE_EQ(instances_.started[0].limits.cpu_cores, 1.0);
}

TEST_F(ScaleControllerTest, ReadinessProbesStartAtOneMillisecondAndBackOff) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 1;
  Make(o);
  controller_->Start();
  clock_.Advance(0ms);
  EXPECT_EQ(probe_.checks["i-1"], 1);  // at once
  clock_.Advance(1ms);
  EXPECT_EQ(probe_.checks["i-1"], 2);
  clock_.Advance(1250us);  // each wait a quarter longer
  EXPECT_EQ(probe_.checks["i-1"], 3);
  clock_.Advance(1563us);
  EXPECT_EQ(probe_.checks["i-1"], 4);
  clock_.Advance(1s);
  int in_a_second = probe_.checks["i-1"];
  EXPECT_LT(in_a_second, 4 + 70);  // up to one per 20 ms once backed off
  clock_.Advance(1s);
  EXPECT_EQ(probe_.checks["i-1"] - in_a_second, 50);
  MakeAllReady();
  clock_.Advance(20ms);
  EXPECT_EQ(CountState(InstanceState::kReady), 1);
  EXPECT_EQ(probe_.forgotten.count("i-1"), 1u);
}

TEST_F(ScaleControllerTest, AColdRequestGoesToTheInstanceOnceItsHostIsUp) {
  PlanOptions o;
  o.plan = "consumption";
  Make(o);
  controller_->Start();
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/x";
  door_->Handle(std::move(r), [](HttpResponse) {});
  ASSERT_EQ(instances_.started.size(), 1u);
  clock_.Advance(5ms);
  EXPECT_EQ(door_->Buffered(), 1u);  // the host does not answer yet
  probe_.host_up.insert("i-1");
  clock_.Advance(5ms);
  // Sent to its host (which holds it until the worker is ready); the loop is not run, so it
  // stays in flight there.
  EXPECT_EQ(door_->Buffered(), 0u);
  EXPECT_EQ(door_->Inflight("i-1"), 1);
  EXPECT_EQ(CountState(InstanceState::kStarting), 1);
  // Its first answer makes the controller probe at once, and goes out once that probe is back:
  // the instance is ready by then.
  MakeAllReady();
  bool answered = false;
  controller_->InstanceAnswered("i-1", [&] {
    answered = true;
    EXPECT_EQ(CountState(InstanceState::kReady), 1);
  });
  EXPECT_TRUE(answered);
  controller_->InstanceAnswered("i-1", [&] { answered = false; });  // ready: at once
  EXPECT_FALSE(answered);
}

TEST_F(ScaleControllerTest, PremiumPromotesOnLoadWithoutWaitingForTheTick) {
  PlanOptions o;
  o.plan = "premium";
  o.sku = "EP1";
  o.always_ready = 1;
  ScaleControllerOptions options;
  options.plan = Plan(o);
  options.app.max_concurrent_requests = 2;  // the HTTP target per instance
  door_ = std::make_unique<FrontDoor>(loop_, clock_, FrontDoorOptions{});
  controller_ = std::make_unique<ScaleController>(clock_, instances_, probe_, *door_, options);
  door_->SetLoadHook([this] { controller_->PokeLoad(); });
  controller_->Start();
  ASSERT_EQ(instances_.started.size(), 2u);
  MakeAllReady();
  clock_.Advance(10ms);
  ASSERT_EQ(CountState(InstanceState::kReady), 1);
  ASSERT_EQ(CountState(InstanceState::kPrewarmed), 1);
  auto send = [&] {
    HttpRequest r;
    r.method = "GET";
    r.target = "/";
    door_->Handle(std::move(r), [](HttpResponse) {});  // stays in flight: the loop never runs
  };
  send();
  send();
  clock_.Advance(0ms);
  EXPECT_EQ(CountState(InstanceState::kPrewarmed), 1);  // 2 in flight: the ready one holds them
  send();
  clock_.Advance(0ms);  // decided at once, far from the 1 s tick
  EXPECT_EQ(CountState(InstanceState::kReady), 2);
  EXPECT_EQ(door_->Inflight("i-2"), 0);
  send();
  EXPECT_EQ(door_->Inflight("i-2"), 1);  // the promoted one takes work at once
  // Its refill is decided now but started a little later, after the spike's first wave.
  EXPECT_EQ(CountState(InstanceState::kPrewarmed), 1);
  EXPECT_EQ(instances_.started.size(), 2u);
  clock_.Advance(19ms);
  EXPECT_EQ(instances_.started.size(), 2u);
  clock_.Advance(1ms);
  EXPECT_EQ(instances_.started.size(), 3u);
  ASSERT_FALSE(controller_->RecentDecisions().empty());
  EXPECT_NE(controller_->RecentDecisions().back().reason.find("promoted"), std::string::npos);
}

TEST_F(ScaleControllerTest, StopAllStopsEveryInstanceAndDecidesNoMore) {
  PlanOptions o;
  o.plan = "dedicated";
  o.instances = 3;
  Make(o);
  controller_->Start();
  controller_->StopAll();
  EXPECT_EQ(instances_.stopped.size(), 3u);
  for (auto& spec : instances_.started) instances_.Exit(spec.id, "stopped");
  clock_.Advance(1min);
  EXPECT_EQ(instances_.started.size(), 3u);
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

TEST_F(ScaleControllerTest, FlexNonHttpGroupsTakeNoHttpRequests) {
  PlanOptions o;
  o.plan = "flex";
  o.always_ready_groups = {{"function:orders", 1}};
  ScaleControllerOptions options;
  options.plan = Plan(o);
  options.group_functions = {{"function:orders", {"orders"}}, {"http", {"hello"}}};
  door_ = std::make_unique<FrontDoor>(loop_, clock_, FrontDoorOptions{});
  controller_ = std::make_unique<ScaleController>(clock_, instances_, probe_, *door_, options);
  controller_->Start();
  ASSERT_EQ(instances_.started.size(), 1u);
  EXPECT_EQ(instances_.started[0].group, "function:orders");
  EXPECT_EQ(instances_.started[0].functions, std::vector<std::string>{"orders"});
  MakeAllReady();
  clock_.Advance(100ms);
  ASSERT_EQ(CountState(InstanceState::kReady), 1);
  // An HTTP request must wait for an instance of the http group, not go to the orders one.
  door_->SetColdRequestHook([this] { controller_->Poke(); });
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/hello";
  door_->Handle(std::move(r), [](HttpResponse) {});
  EXPECT_EQ(door_->Buffered(), 1u);
  ASSERT_EQ(instances_.started.size(), 2u);
  EXPECT_EQ(instances_.started[1].group, "http");
  EXPECT_EQ(instances_.started[1].functions, std::vector<std::string>{"hello"});
  // Flex's per-instance HTTP concurrency (2048 MB: 16) goes to HTTP instances only.
  EXPECT_EQ(instances_.started[1].limits.http_concurrency, 16);
  EXPECT_EQ(instances_.started[0].limits.http_concurrency, 0);
}

// Host version rollover (issue 6): a new version rolls instances over one at a time, each
// replaced before it is drained; new instances run the new version.
class RolloverTest : public ScaleControllerTest {
 protected:
  void MakeDedicated(int n, const std::string& version) {
    PlanOptions o;
    o.plan = "dedicated";
    o.instances = n;
    ScaleControllerOptions options;
    options.plan = Plan(o);
    options.host_version = version;
    door_ = std::make_unique<FrontDoor>(loop_, clock_, FrontDoorOptions{});
    controller_ = std::make_unique<ScaleController>(clock_, instances_, probe_, *door_, options);
  }
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> out;
    for (auto& r : controller_->Instances())
      out[r.id] = r.host_version + "/" + InstanceStateName(r.state);
    return out;
  }
};

TEST_F(RolloverTest, InstancesMoveOneAtATimeReplacedBeforeDrained) {
  MakeDedicated(2, "1.0.0");
  controller_->Start();
  MakeAllReady();
  clock_.Advance(100ms);
  ASSERT_EQ(instances_.started.size(), 2u);
  EXPECT_EQ(instances_.started[0].host_version, "1.0.0");
  controller_->SetHostVersion("2.0.0");
  // A replacement for the oldest, on the new version; nothing drained yet.
  ASSERT_EQ(instances_.started.size(), 3u);
  EXPECT_EQ(instances_.started[2].host_version, "2.0.0");
  EXPECT_EQ(controller_->host_version(), "2.0.0");
  EXPECT_EQ(Versions(),
            (std::map<std::string, std::string>{
                {"i-1", "1.0.0/ready"}, {"i-2", "1.0.0/ready"}, {"i-3", "2.0.0/starting"}}));
  clock_.Advance(5s);  // decisions meanwhile start nothing else
  EXPECT_EQ(instances_.started.size(), 3u);
  // Ready: i-1 drains (idle: stopped at once); i-2 waits for it to be gone.
  MakeAllReady();
  clock_.Advance(100ms);
  EXPECT_EQ(Versions()["i-1"], "1.0.0/draining");
  ASSERT_EQ(instances_.stopped, std::vector<std::string>{"i-1"});
  EXPECT_EQ(instances_.started.size(), 3u);
  instances_.Exit("i-1", "stopped: exited with code 0");
  clock_.Advance(1s);  // the next decision takes the next step
  ASSERT_EQ(instances_.started.size(), 4u);
  EXPECT_EQ(instances_.started[3].host_version, "2.0.0");
  MakeAllReady();
  clock_.Advance(100ms);
  ASSERT_EQ(instances_.stopped, (std::vector<std::string>{"i-1", "i-2"}));
  instances_.Exit("i-2", "stopped: exited with code 0");
  clock_.Advance(5s);
  EXPECT_EQ(Versions(),
            (std::map<std::string, std::string>{{"i-3", "2.0.0/ready"}, {"i-4", "2.0.0/ready"}}));
  EXPECT_EQ(instances_.started.size(), 4u);  // and then it stays
  bool logged = false;
  for (const auto& d : controller_->RecentDecisions())
    logged = logged || d.reason.find("rollover: i-3 (2.0.0) is ready; draining i-1 (1.0.0)") == 0;
  EXPECT_TRUE(logged);
}

TEST_F(RolloverTest, TheSameVersionAgainChangesNothing) {
  MakeDedicated(1, "1.0.0");
  controller_->Start();
  MakeAllReady();
  clock_.Advance(100ms);
  controller_->SetHostVersion("1.0.0");
  clock_.Advance(5s);
  EXPECT_EQ(instances_.started.size(), 1u);
  EXPECT_TRUE(instances_.stopped.empty());
}

}  // namespace
}  // namespace squall
