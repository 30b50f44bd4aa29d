// The front door with real loopback HTTP on a real event loop (a thread), and the activation
// buffer's timeout on a simulated clock. Waits are on futures, never sleeps.
#include "platform/front_door.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "core/event_loop.h"
#include "core/real_clock.h"
#include "core/simulated_clock.h"
#include "http/http_server.h"
#include "platform/http_instance_probe.h"
#include "tests/core/run_on_loop.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

// An instance stand-in: answers every request with its name.
class NamedHandler : public HttpHandler {
 public:
  explicit NamedHandler(std::string name) : name_(std::move(name)) {}
  void Handle(HttpRequest request, Responder respond) override {
    respond(TextResponse(200, name_ + " " + request.target));
  }

 private:
  std::string name_;
};

// An instance stand-in that holds every request until told to answer (on the loop thread).
class HoldingHandler : public HttpHandler {
 public:
  void Handle(HttpRequest request, Responder respond) override {
    held.push_back(std::move(respond));
    (void)request;
  }
  void ReleaseAll() {
    for (auto& r : held) r(TextResponse(200, "held"));
    held.clear();
  }
  std::vector<Responder> held;
};

class FrontDoorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    real_clock_ = MakeRealClock(loop_);
    thread_ = std::thread([this] { loop_.Run(1); });
  }
  void TearDown() override {
    servers_.clear();
    loop_.Stop();
    thread_.join();
  }

  int StartInstance(const std::string& name) {
    handlers_.push_back(std::make_unique<NamedHandler>(name));
    return Serve(*handlers_.back());
  }
  int Serve(HttpHandler& handler) {
    servers_.push_back(
        std::make_unique<HttpServer>(loop_, *real_clock_, handler, HttpServerOptions{}));
    auto port = servers_.back()->Listen("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    return *port;
  }
  // Waits (on futures, no sleep) until the holding handler has n requests.
  void WaitHeld(HoldingHandler& h, std::size_t n) {
    for (int i = 0; i < 100000; ++i) {
      std::size_t have = 0;
      OnLoop([&] { have = h.held.size(); });
      if (have >= n) return;
    }
    FAIL() << "the instance never got " << n << " requests";
  }

  // Sends a request through the front door (on the loop thread); the future gets the response.
  std::future<HttpResponse> Send(FrontDoor& door, std::string target) {
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    auto future = promise->get_future();
    loop_.Post([&door, target = std::move(target), promise] {
      HttpRequest r;
      r.method = "GET";
      r.target = target;
      door.Handle(std::move(r), [promise](HttpResponse resp) { promise->set_value(std::move(resp)); });
    });
    return future;
  }

  // Runs fn on the loop thread and waits for it.
  void OnLoop(std::function<void()> fn) { RunOnLoop(loop_, std::move(fn)); }

  EventLoop loop_;
  std::unique_ptr<Clock> real_clock_;
  std::thread thread_;
  std::vector<std::unique_ptr<NamedHandler>> handlers_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  SimulatedClock sim_;
};

TEST_F(FrontDoorTest, RoutesToAReadyInstanceUnchanged) {
  FrontDoor door(loop_, sim_, {});
  int port = StartInstance("a");
  OnLoop([&] { door.AddReady("i-1", port); });
  HttpResponse r = Send(door, "/api/x?y=1").get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "a /api/x?y=1");
  EXPECT_EQ(door.HttpInflight(), 0);
}

TEST_F(FrontDoorTest, HoldsRequestsUntilAnInstanceIsReadyAndPokesOnce) {
  FrontDoor door(loop_, sim_, {});
  int pokes = 0;
  door.SetColdRequestHook([&] { ++pokes; });
  auto f1 = Send(door, "/1");
  auto f2 = Send(door, "/2");
  OnLoop([] {});
  EXPECT_EQ(door.Buffered(), 2u);
  EXPECT_EQ(door.HttpInflight(), 2);  // buffered requests count for scaling
  EXPECT_EQ(pokes, 1);                // the first one poked the controller
  int port = StartInstance("b");
  OnLoop([&] {
    sim_.Advance(250ms);
    door.AddReady("i-1", port);
  });
  EXPECT_EQ(f1.get().body, "b /1");
  EXPECT_EQ(f2.get().body, "b /2");
  auto cold = door.ColdStarts();
  ASSERT_EQ(cold.size(), 2u);
  EXPECT_EQ(cold[0].wait, 250ms);
  EXPECT_EQ(cold[0].instance_id, "i-1");
}

TEST_F(FrontDoorTest, BufferedRequestsTimeOutWith503) {
  FrontDoorOptions options;
  options.activation_timeout = 60s;
  FrontDoor door(loop_, sim_, options);
  auto f = Send(door, "/slow");
  OnLoop([&] { sim_.Advance(59s); });
  EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);
  OnLoop([&] { sim_.Advance(1s); });
  HttpResponse r = f.get();
  EXPECT_EQ(r.status, 503);
  ASSERT_NE(r.FindHeader("Retry-After"), nullptr);
  EXPECT_EQ(door.Buffered(), 0u);
}

TEST_F(FrontDoorTest, FullBufferAnswers503AtOnce) {
  FrontDoorOptions options;
  options.activation_capacity = 1;
  FrontDoor door(loop_, sim_, options);
  auto held = Send(door, "/held");
  HttpResponse r = Send(door, "/over").get();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(door.Buffered(), 1u);
  OnLoop([&] { sim_.Advance(60s); });
  EXPECT_EQ(held.get().status, 503);
}

TEST_F(FrontDoorTest, SpreadsLoadOverInstances) {
  FrontDoor door(loop_, sim_, {});
  int p1 = StartInstance("a"), p2 = StartInstance("b");
  OnLoop([&] {
    door.AddReady("i-1", p1);
    door.AddReady("i-2", p2);
  });
  int a = 0, b = 0;
  for (int i = 0; i < 10; ++i) {
    std::string body = Send(door, "/").get().body;
    (body[0] == 'a' ? a : b)++;
  }
  EXPECT_EQ(a, 5);  // idle instances tie, so they take turns
  EXPECT_EQ(b, 5);
}

TEST_F(FrontDoorTest, RemovedInstanceGetsNoNewRequests) {
  FrontDoor door(loop_, sim_, {});
  int p1 = StartInstance("a"), p2 = StartInstance("b");
  OnLoop([&] {
    door.AddReady("i-1", p1);
    door.AddReady("i-2", p2);
    door.Remove("i-1");
  });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Send(door, "/").get().body, "b /");
}

TEST_F(FrontDoorTest, AnInstanceThatIsGoneGives502) {
  FrontDoor door(loop_, sim_, {});
  int port = StartInstance("a");
  OnLoop([&] {
    servers_.back()->Close();
    door.AddReady("i-1", port);
  });
  servers_.clear();
  // Nothing listens there any more.
  HttpResponse r = Send(door, "/").get();
  EXPECT_EQ(r.status, 502);
}

TEST_F(FrontDoorTest, LoadHookFiresOnceAboveTheArmedLevel) {
  FrontDoor door(loop_, sim_, {});
  HoldingHandler holder;
  int port = Serve(holder);
  int fired = 0;
  door.SetLoadHook([&] { ++fired; });
  OnLoop([&] {
    door.AddReady("i-1", port);
    door.ArmLoadHook(2);
  });
  auto f1 = Send(door, "/1");
  auto f2 = Send(door, "/2");
  OnLoop([] {});
  EXPECT_EQ(fired, 0);  // 2 in flight: not above 2
  auto f3 = Send(door, "/3");
  auto f4 = Send(door, "/4");
  OnLoop([] {});
  EXPECT_EQ(fired, 1);  // the third crossed the line; the fourth found it disarmed
  OnLoop([&] { door.ArmLoadHook(4); });
  auto f5 = Send(door, "/5");
  OnLoop([] {});
  EXPECT_EQ(fired, 2);
  OnLoop([&] { door.ArmLoadHook(1); door.DisarmLoadHook(); });
  auto f6 = Send(door, "/6");
  OnLoop([] {});
  EXPECT_EQ(fired, 2);
  WaitHeld(holder, 6);
  OnLoop([&] { holder.ReleaseAll(); });
  for (auto* f : {&f1, &f2, &f3, &f4, &f5, &f6}) EXPECT_EQ(f->get().status, 200);
}

TEST_F(FrontDoorTest, PeakInflightIsTheMostHeldSinceTheLastTake) {
  FrontDoor door(loop_, sim_, {});
  HoldingHandler holder;
  int port = Serve(holder);
  OnLoop([&] { door.AddReady("i-1", port); });
  std::vector<std::future<HttpResponse>> fs;
  for (int i = 0; i < 3; ++i) fs.push_back(Send(door, "/"));
  WaitHeld(holder, 3);
  EXPECT_EQ(door.HttpInflight(), 3);
  OnLoop([&] { holder.ReleaseAll(); });
  for (auto& f : fs) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(door.HttpInflight(), 0);
  EXPECT_EQ(door.TakePeakInflight(), 3);  // the dip at the sample does not hide the load
  EXPECT_EQ(door.TakePeakInflight(), 0);
}

TEST_F(FrontDoorTest, DirectConnectionsGoToInstancesWithRoomAndCountUntilTheyEnd) {
  FrontDoor door(loop_, sim_, {});
  auto all = [](const std::string&) { return true; };
  EXPECT_EQ(door.PickDirect(2, all), std::nullopt) << "no ready instance";
  OnLoop([&] {
    door.AddReady("i-1", 1);  // never sent to: direct connections do not use the pool
    door.AddReady("i-2", 2);
  });
  // Least loaded first; at most `room` each.
  std::vector<std::string> picked;
  for (int i = 0; i < 5; ++i) {
    auto p = door.PickDirect(2, all);
    if (p) picked.push_back(*p);
  }
  ASSERT_EQ(picked.size(), 4u);
  EXPECT_EQ(std::count(picked.begin(), picked.end(), "i-1"), 2);
  EXPECT_EQ(door.DirectConnections("i-1"), 2);
  EXPECT_EQ(door.Inflight("i-1"), 2) << "a drain waits for direct connections";
  // Each handed-over connection's first request counts as load until the instance reports.
  EXPECT_EQ(door.HttpInflight(), 4);
  door.DirectLoad("i-1", 0, 3);  // idle now; 3 at once since its last report
  door.DirectLoad("i-2", 1, 1);
  EXPECT_EQ(door.HttpInflight(), 1) << "idle direct connections are not load";
  EXPECT_EQ(door.RequestsInflight("i-2"), 1);
  EXPECT_GE(door.TakePeakInflight(), 4);
  // Not reachable (no channel), or refused (it drains): skipped.
  door.DirectEnded("i-1", 2);
  EXPECT_EQ(door.PickDirect(2, [](const std::string& id) { return id != "i-1"; }), std::nullopt);
  door.SetDirectAccepted("i-1", false);
  EXPECT_EQ(door.PickDirect(2, all), std::nullopt);
  door.SetDirectAccepted("i-1", true);
  EXPECT_EQ(door.PickDirect(2, all), std::optional<std::string>("i-1"));
  // A removed instance's connections still count for its drain until they end.
  OnLoop([&] { door.Remove("i-2"); });
  EXPECT_EQ(door.Inflight("i-2"), 2);
  door.DirectEnded("i-2", 2);
  EXPECT_EQ(door.Inflight("i-2"), 0);
  // Proxied requests avoid an instance full of direct connections.
  door.DirectEnded("i-1", 100);
  EXPECT_EQ(door.DirectConnections("i-1"), 0);
  EXPECT_EQ(door.HttpInflight(), 0);
}

TEST_F(FrontDoorTest, DirectLoadFiresTheLoadHook) {
  FrontDoor door(loop_, sim_, {});
  int fired = 0;
  door.SetLoadHook([&] { ++fired; });
  OnLoop([&] {
    door.AddReady("i-1", 1);
    door.ArmLoadHook(4);
  });
  ASSERT_TRUE(door.PickDirect(100, [](const std::string&) { return true; }));
  EXPECT_EQ(fired, 0);
  door.DirectLoad("i-1", 5, 6);  // the instance runs more than the serving target
  EXPECT_EQ(fired, 1);
}

TEST_F(FrontDoorTest, AStartingInstanceTakesColdRequestsWhileNoneIsReady) {
  FrontDoor door(loop_, sim_, {});
  std::vector<std::string> started;
  door.SetStartedHook([&](const std::string& id, std::function<void()> proceed) {
    started.push_back(id);
    proceed();
  });
  auto f1 = Send(door, "/1");
  auto f2 = Send(door, "/2");
  OnLoop([] {});
  EXPECT_EQ(door.Buffered(), 2u);
  int port = StartInstance("s");
  OnLoop([&] {
    sim_.Advance(100ms);
    door.AddStarting("i-1", port);  // its host holds them until its worker is ready
  });
  EXPECT_EQ(f1.get().body, "s /1");
  EXPECT_EQ(f2.get().body, "s /2");
  auto f3 = Send(door, "/3");  // a new request goes there too while nothing is ready
  EXPECT_EQ(f3.get().body, "s /3");
  OnLoop([] {});
  EXPECT_EQ(started, (std::vector<std::string>{"i-1", "i-1", "i-1"}));
  EXPECT_TRUE(door.ColdStarts().empty());  // recorded when the instance is known ready
  OnLoop([&] {
    sim_.Advance(50ms);
    door.AddReady("i-1", port);
  });
  auto cold = door.ColdStarts();
  ASSERT_EQ(cold.size(), 3u);
  EXPECT_EQ(cold[0].wait, 100ms);  // until its answer, which came before it was seen ready
  EXPECT_EQ(cold[2].wait, 0ms);
  EXPECT_EQ(cold[0].instance_id, "i-1");
  EXPECT_EQ(Send(door, "/4").get().body, "s /4");
  EXPECT_EQ(door.ColdStarts().size(), 3u);  // a warm request is no cold start
}

TEST_F(FrontDoorTest, AStartingInstanceGetsNothingWhileAnotherIsReady) {
  FrontDoor door(loop_, sim_, {});
  int p1 = StartInstance("a"), p2 = StartInstance("b");
  OnLoop([&] {
    door.AddReady("i-1", p1);
    door.AddStarting("i-2", p2);
  });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Send(door, "/").get().body, "a /");
  OnLoop([&] { door.Remove("i-1"); });
  EXPECT_EQ(Send(door, "/").get().body, "b /");  // nothing ready: the starting one serves
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

TEST(HttpInstanceProbeTest, HostUpWhenInitializedOrRunning) {
  EXPECT_TRUE(ParseStatusBody(R"({"state":"Initialized","worker":{"state":"Starting"}})").host_up);
  EXPECT_FALSE(ParseStatusBody(R"({"state":"Initialized"})").ready);
  EXPECT_TRUE(ParseStatusBody(R"({"state":"Running"})").host_up);
  EXPECT_FALSE(ParseStatusBody(R"({"state":"Stopping"})").host_up);
  EXPECT_FALSE(ParseStatusBody("not json").host_up);
}

TEST(HttpInstanceProbeTest, TriggerExecutionsAreRead) {
  auto r = ParseStatusBody(
      R"({"state":"Running","triggerExecutions":{"count":12,"seconds":3.5}})");
  ASSERT_TRUE(r.trigger_executions.has_value());
  EXPECT_EQ(*r.trigger_executions, 12);
  EXPECT_EQ(r.trigger_execution_time, std::chrono::milliseconds(3500));
  EXPECT_FALSE(ParseStatusBody(R"({"state":"Running"})").trigger_executions.has_value());
  EXPECT_FALSE(ParseStatusBody(R"({"triggerExecutions":{"count":-1,"seconds":1}})")
                   .trigger_executions.has_value());
  EXPECT_FALSE(ParseStatusBody(R"({"triggerExecutions":{"count":1,"seconds":"x"}})")
                   .trigger_executions.has_value());
}

TEST(HttpInstanceProbeTest, OnlyRunningMeansReady) {
  EXPECT_TRUE(StatusBodySaysRunning(R"({"id":"a","state":"Running","version":"0.1.0"})"));
  EXPECT_FALSE(StatusBodySaysRunning(R"({"id":"a","state":"Initialized"})"));
  EXPECT_FALSE(StatusBodySaysRunning(R"({"state":"Draining"})"));
  EXPECT_FALSE(StatusBodySaysRunning(R"({"state":1})"));
  EXPECT_FALSE(StatusBodySaysRunning("not json"));
  EXPECT_FALSE(StatusBodySaysRunning(R"(["Running"])"));
}

}  // namespace
}  // namespace squall
