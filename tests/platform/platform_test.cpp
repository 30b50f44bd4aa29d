#include "platform/platform.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/event_loop.h"
#include "core/simulated_clock.h"
#include "platform/http_instance_probe.h"
#include "platform_fakes.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class PlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PlanOptions o;
    o.plan = "dedicated";
    o.instances = 2;
    PlatformOptions options;
    options.app_name = "myapp";
    options.version = "0.1.0";
    options.master_key = "the-master-key-0123456789";
    options.scale.plan = *ValidatePlan(o);
    platform_ = std::make_unique<Platform>(loop_, clock_, instances_, probe_, options);
  }

  HttpResponse Get(const std::string& target, const std::string& key) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    if (!key.empty()) r.headers.push_back({"x-functions-key", key});
    HttpResponse out;
    bool answered = false;
    platform_->Handle(std::move(r), [&](HttpResponse resp) {
      out = std::move(resp);
      answered = true;
    });
    EXPECT_TRUE(answered) << target << " was not answered at once";
    return out;
  }

  EventLoop loop_;
  SimulatedClock clock_;
  FakeInstances instances_;
  FakeProbe probe_;
  std::unique_ptr<Platform> platform_;
};

TEST_F(PlatformTest, AdminNeedsTheMasterKey) {
  EXPECT_EQ(Get("/admin/platform/instances", "").status, 401);
  EXPECT_EQ(Get("/admin/platform/instances", "wrong").status, 401);
  EXPECT_EQ(Get("/admin/platform/instances", "the-master-key-0123456789").status, 200);
  EXPECT_EQ(Get("/admin/platform/scale?code=the-master-key-0123456789", "").status, 200);
  EXPECT_EQ(Get("/admin/host/ping", "").status, 200);
}

TEST_F(PlatformTest, InstancesAndDecisionsAreListed) {
  platform_->Start();
  for (auto& spec : instances_.started) probe_.ready.insert(spec.id);
  clock_.Advance(100ms);
  json::value instances = json::parse(Get("/admin/platform/instances", "the-master-key-0123456789").body);
  ASSERT_TRUE(instances.is_array());
  ASSERT_EQ(instances.get_array().size(), 2u);
  const auto& first = instances.get_array()[0].get_object();
  EXPECT_EQ(first.at("id").get_string(), "i-1");
  EXPECT_EQ(first.at("state").get_string(), "ready");
  for (const char* field : {"group", "pid", "startedAt", "inflight", "memoryBytes", "cpuPercent"})
    EXPECT_TRUE(first.contains(field)) << field;

  json::value scale = json::parse(Get("/admin/platform/scale", "the-master-key-0123456789").body);
  ASSERT_TRUE(scale.is_array());
  ASSERT_FALSE(scale.get_array().empty());
  const auto& d = scale.get_array()[0].get_object();
  EXPECT_EQ(d.at("from").as_int64(), 0);
  EXPECT_EQ(d.at("to").as_int64(), 2);
  EXPECT_NE(std::string(d.at("reason").get_string()).find("dedicated"), std::string::npos);

  json::value status = json::parse(Get("/admin/host/status", "the-master-key-0123456789").body);
  EXPECT_EQ(status.at("state").get_string(), "Running");
  EXPECT_EQ(status.at("plan").get_string(), "dedicated");
  EXPECT_EQ(status.at("instances").at("ready").as_int64(), 2);
}

TEST_F(PlatformTest, AppRequestsGoToTheFrontDoor) {
  // No instance is ready: the request is held (not answered), waiting for a cold start.
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/hello";
  bool answered = false;
  platform_->Handle(std::move(r), [&](HttpResponse) { answered = true; });
  EXPECT_FALSE(answered);
  EXPECT_EQ(instances_.started.size(), 2u);  // the cold request started the dedicated pair
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

TEST_F(PlatformTest, MetricsAreServedWithoutAKey) {
  platform_->Start();
  for (auto& spec : instances_.started) probe_.ready.insert(spec.id);
  clock_.Advance(100ms);
  HttpResponse r = Get("/metrics", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("squall_instances{state=\"ready\"} 2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("squall_scale_decisions_total{group=\"app\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("squall_activation_buffer_requests 0"), std::string::npos) << r.body;
  // An answered app request (here the 503 of a draining app) is counted, labelled "" as no
  // route matches (this platform has none).
  HttpRequest drain;
  drain.method = "POST";
  drain.target = "/admin/host/drain";
  drain.headers.push_back({"x-functions-key", "the-master-key-0123456789"});
  platform_->Handle(std::move(drain), [](HttpResponse resp) { EXPECT_EQ(resp.status, 202); });
  EXPECT_EQ(Get("/api/nothing", "").status, 503);
  r = Get("/metrics", "");
  EXPECT_NE(r.body.find("squall_http_requests_total{function=\"\",code=\"503\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("squall_http_request_duration_seconds_count{function=\"\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("squall_usage_total{meter=\"executions\"} 0"), std::string::npos)
      << "a refused request is not an execution\n" << r.body;
}

}  // namespace
}  // namespace squall

namespace squall {
namespace {

TEST(ParseStatusBodyTest, ReadsTheWorkerStartup) {
  auto r = ParseStatusBody(R"({"state":"Running","worker":{"startupSeconds":0.25}})");
  EXPECT_TRUE(r.ready);
  ASSERT_TRUE(r.worker_startup.has_value());
  EXPECT_EQ(*r.worker_startup, std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseStatusBody(R"({"state":"Running"})").worker_startup.has_value());
}

TEST_F(PlatformTest, ColdStartsAreSplitIntoPlatformAndWorkerTime) {
  probe_.worker_startup = 300ms;
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/hello";
  platform_->Handle(std::move(r), [](HttpResponse) {});  // cold: held, instances start
  clock_.Advance(500ms);  // probed every 20 ms, not ready yet
  for (auto& spec : instances_.started) probe_.ready.insert(spec.id);
  clock_.Advance(100ms);
  std::string text = Get("/metrics", "").body;
  auto sum = [&](const std::string& name) {
    auto at = text.find(name + "_sum ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size() + 5));
  };
  double wait = sum("squall_cold_start_wait_seconds");
  ASSERT_GE(wait, 0.5) << text;
  EXPECT_DOUBLE_EQ(sum("squall_cold_start_worker_seconds"), 0.3) << text;
  EXPECT_NEAR(sum("squall_cold_start_platform_seconds"), wait - 0.3, 1e-9) << text;
}

}  // namespace
}  // namespace squall
