#include "triggers/trigger_payload.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace squall {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

FunctionConfig Fn() {
  FunctionConfig fn;
  fn.name = "Orders";
  return fn;
}

TEST(TriggerPayloadTest, QueueInvocationHasAzuresMetadata) {
  QueueMessage m;
  m.id = "id-1";
  m.pop_receipt = "pr";
  m.dequeue_count = 2;
  m.insertion_time = WallTime{1'700'000'000s};
  m.expiration_time = m.insertion_time + 7 * 24h;
  m.next_visible_time = m.insertion_time + 10min;
  json::value v = json::parse(
      BuildQueueInvocation(Fn(), "order", m, "hello", WallTime{1'700'000'001s}, "g"));
  EXPECT_EQ(v.at("Data").at("order"), "hello");
  const auto& meta = v.at("Metadata");
  EXPECT_EQ(meta.at("Id"), "id-1");
  EXPECT_EQ(meta.at("DequeueCount"), 2);
  EXPECT_EQ(meta.at("PopReceipt"), "pr");
  EXPECT_EQ(meta.at("InsertionTime"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(meta.at("ExpirationTime"), "2023-11-21T22:13:20.000Z");
  EXPECT_EQ(meta.at("NextVisibleTime"), "2023-11-14T22:23:20.000Z");
  EXPECT_EQ(meta.at("sys").at("MethodName"), "Orders");
}

TEST(TriggerPayloadTest, JsonMessagesArriveAsJsonOtherTextAsText) {
  QueueMessage m;
  auto data = [&](std::string_view text) {
    return json::parse(BuildQueueInvocation(Fn(), "q", m, text, WallTime{}, "g"))
        .at("Data")
        .at("q");
  };
  EXPECT_EQ(data(R"({"a": 1})").at("a"), 1);
  EXPECT_EQ(data("[1,2]").as_array().size(), 2u);
  EXPECT_EQ(data("007"), "007");
  EXPECT_EQ(data("{not json"), "{not json");
}

TEST(TriggerPayloadTest, TimerInvocationIsAzuresTimerInfo) {
  TimerInfo info;
  info.last = WallTime{1'700'000'000s};
  info.next = WallTime{1'700'000'300s};
  info.last_updated = WallTime{1'700'000'001s};
  info.is_past_due = true;
  json::value v = json::parse(BuildTimerInvocation(Fn(), "myTimer", info, WallTime{}, "g"));
  const auto& t = v.at("Data").at("myTimer");
  EXPECT_EQ(t.at("IsPastDue"), true);
  EXPECT_EQ(t.at("Schedule").at("AdjustForDST"), true);
  EXPECT_EQ(t.at("ScheduleStatus").at("Last"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(t.at("ScheduleStatus").at("Next"), "2023-11-14T22:18:20.000Z");
  EXPECT_EQ(t.at("ScheduleStatus").at("LastUpdated"), "2023-11-14T22:13:21.000Z");
}

TEST(TriggerPayloadTest, OutputMessagesReadOutputsAndReturnValue) {
  std::string response =
      R"({"Outputs": {"out": ["a", {"b": 1}, null], "one": "x"}, "ReturnValue": 7})";
  auto arr = OutputMessages(response, "out");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(*arr, (std::vector<std::string>{"a", R"({"b":1})"}));
  EXPECT_EQ(*OutputMessages(response, "one"), std::vector<std::string>{"x"});
  EXPECT_EQ(*OutputMessages(response, "$return"), std::vector<std::string>{"7"});
  EXPECT_TRUE(OutputMessages(response, "absent")->empty());
  EXPECT_FALSE(OutputMessages("not json", "out").ok());
}

}  // namespace
}  // namespace squall
